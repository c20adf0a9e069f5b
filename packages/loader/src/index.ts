export { DEFAULT_CLASS_MAP, SPLITS, type ClassMap, type DicomSourceInfo, type ImageRecord, type Rejection, type Sample, type SourceInfo, type Split } from './lib/types.js';
export { decodeImages, type DecodeImagesOptions } from './lib/decode-images.js';
export {
  decodeImage,
  decodeImageAtSourceSize,
  decodeSettingsKey,
  isEightBitGrey,
  DEFAULT_DECODE_SETTINGS,
  MAX_DECODE_SIZE,
  type DecodeSettings,
  type DecodedImage,
  type DecodeError,
} from './lib/decode-image.js';
export { isUsageError, USAGE_ERROR_CODE, UsageError } from './lib/usage-error.js';
export { isDicom } from './lib/internal/dicom.js';
export { scanDataset, type ScanDatasetOptions } from './lib/scan-dataset.js';
export {
  auditDataset,
  type AuditDatasetOptions,
  type DatasetAudit,
  type ClassProfile,
  type DuplicateGroup,
  type SharedGroup,
  type AuditFile,
  type AuditRejection,
  type DicomProfile,
} from './lib/audit-dataset.js';
export { scanAndAudit, type ScanAndAuditOptions } from './lib/scan-and-audit.js';
export { formatAudit } from './lib/format-audit.js';
export { findImageFiles, type FindImageFilesOptions } from './lib/find-image-files.js';
export { writeFileAtomic, writeJsonAtomic } from './lib/write-file-atomic.js';
