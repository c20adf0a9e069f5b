// Types of the part of jpeg-lossless-decoder-js the DICOM path uses (the package ships none).
declare module 'jpeg-lossless-decoder-js' {
  /** A lossless JPEG (process 14) decoder. */
  export class Decoder {
    /** Decodes the JPEG at `offset..offset+length` of `buffer` to samples of `bytesPerSample` bytes (1 or 2). */
    decode(buffer: ArrayBuffer, offset: number, length: number, bytesPerSample: number): Uint8Array | Uint16Array;
  }
}
