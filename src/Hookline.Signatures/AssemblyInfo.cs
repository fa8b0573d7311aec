namespace Hookline.Signatures;
