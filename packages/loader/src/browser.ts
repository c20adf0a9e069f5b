// The browser-safe part of @cxr/loader: the decode recipe's pixel steps (grey conversion and the
// resize rule) for pixels decoded elsewhere, e.g. by a browser's image decoder. No Node or sharp.
export { fitBox, greyFromRgba, jpegShrinkOnLoad, lumaRec601, resizedBox, resizeGrey, type FitBox, type GreyFit, type ResizeGreyOptions } from './lib/resize-grey.js';
