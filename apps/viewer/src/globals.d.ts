/** Set by the build (esbuild `define`). */
declare const __TFJS_VERSION__: string;
declare const __VIEWER_VERSION__: string;
