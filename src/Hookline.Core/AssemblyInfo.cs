namespace Hookline.Core;
