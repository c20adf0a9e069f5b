// The browser-safe part of @cxr/loader (no sharp, no node:fs), also what the other packages take from
// it so that a browser bundle of them stays free of both: the decode recipe's pixel steps (grey
// conversion and the resize rule) for pixels decoded elsewhere, e.g. by a browser's image decoder,
// the DICOM reader, and the usage error.
export { fitBox, greyFromRgba, jpegShrinkOnLoad, lumaRec601, resizedBox, resizeGrey, type FitBox, type GreyFit, type ResizeGreyOptions } from './lib/resize-grey.js';
// The DICOM reader without its Node platform: a page supplies the JPEG baseline decoder, the WASM
// codec loader and raw inflation (see apps/viewer/src/lib/dicom-platform.ts).
export { isDicom, readDicomGrey, DicomError, type DicomGrey, type DicomPlatform } from './lib/internal/dicom.js';
export { PixelDataError, type CodecModule, type FrameCodecs, type FrameShape } from './lib/internal/dicom-codecs.js';
export { isUsageError, USAGE_ERROR_CODE, UsageError } from './lib/usage-error.js';
