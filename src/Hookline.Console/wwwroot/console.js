// Hookline Console: the little the browser must do itself.
window.hooklineConsole = {
  // A portal link carries its token in the fragment (#token=…), which browsers never send to a
  // server or put in a Referer header. Read it once, keep it in this tab's sessionStorage (so a
  // reload keeps working), and take it out of the address bar. Storage may be refused in a frame
  // whose third-party storage is blocked; then the token lives only as long as the page.
  takePortalToken: function (key) {
    var params = new URLSearchParams(window.location.hash.slice(1));
    var token = params.get('token');
    if (token) {
      params.delete('token');
      var rest = params.toString();
      history.replaceState(history.state, '', window.location.pathname + window.location.search + (rest ? '#' + rest : ''));
      try { window.sessionStorage.setItem(key, token); } catch (e) { /* storage blocked */ }
      return token;
    }
    try { return window.sessionStorage.getItem(key); } catch (e) { return null; }
  },
  // The look a link asked for (theme, primaryColor, logo) outlives a reload the same way.
  portalLook: function (key, look) {
    try {
      if (look) { window.sessionStorage.setItem(key, look); return look; }
      return window.sessionStorage.getItem(key);
    } catch (e) { return look; }
  },
  forgetPortalToken: function (key) {
    try { window.sessionStorage.removeItem(key); } catch (e) { /* storage blocked */ }
  },
  copyText: function (text) {
    if (navigator.clipboard) { return navigator.clipboard.writeText(text).then(function () { return true; }, function () { return false; }); }
    return false;
  }
};
