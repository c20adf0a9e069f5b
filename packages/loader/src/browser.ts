// The browser-safe part of @cxr/loader: the decode recipe's pixel steps (grey conversion and the
// resize rule) for pixels decoded elsewhere, e.g. by a browser's image decoder. No Node or sharp.
export { fitBox, greyFromRgba, jpegShrinkOnLoad, lumaRec601, resizedBox, resizeGrey, type FitBox, type GreyFit, type ResizeGreyOptions } from './lib/resize-grey.js';
// The DICOM reader without its Node platform: a page supplies the JPEG baseline decoder, the WASM
// codec loader and raw inflation (see apps/viewer/src/lib/dicom-platform.ts).
export { isDicom, readDicomGrey, DicomError, type DicomGrey, type DicomPlatform } from './lib/internal/dicom.js';
export { PixelDataError, type CodecModule, type FrameCodecs, type FrameShape } from './lib/internal/dicom-codecs.js';
