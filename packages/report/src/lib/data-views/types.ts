/** A file that goes with a report section (a PNG), named relative to the folder it is written to. */
export interface DataViewFile {
  /** File name, e.g. `pixel-histograms.png`; no directories. */
  readonly name: string;
  readonly data: Buffer;
}

/**
 * A self-contained piece of a report: an HTML fragment (a `<section>` with its own styles;
 * images and charts inlined as data URIs, so it needs no other file), and the PNGs of the same
 * pictures for people who want them as files.
 */
export interface DataViewSection {
  /** The section's element id, usable as a link anchor (`#pixel-histograms`). */
  readonly id: string;
  /** The heading shown at the top of the section. */
  readonly title: string;
  /** The `<section>...</section>` fragment. */
  readonly html: string;
  readonly files: readonly DataViewFile[];
}
