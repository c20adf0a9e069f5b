import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend, loadModel } from '@cxr/model';
import type { CommandSpec } from '../args.js';
import type { ParsedCommand } from '../args.js';
import type { CommandContext } from '../context.js';
import { UsageError } from '@cxr/loader';
import { commandModelSettings } from '../model-metadata.js';
import { absolute, existingDir } from '../paths.js';

export const VIEW: CommandSpec = {
  name: 'view',
  summary: 'Serve the viewer page with a model, to classify X-rays in a browser.',
  description:
    "Serves the viewer page (apps/viewer) and a model folder written by `cxr train` on 127.0.0.1 and prints the address: open it, drop X-rays (.jpeg, .png) and the page shows the probability of PNEUMONIA, the label at the model's threshold and a Grad-CAM overlay for each, with the model's settings and its run's validation figures (report.json and run.json beside the model folder). The model runs in the browser (TensorFlow.js on WebAssembly; WebGL where present); nothing is sent back. Ctrl-C stops the server.",
  flags: {
    model: { type: 'string', placeholder: 'DIR', description: 'Model folder (the model/ of a run folder).' },
    port: { type: 'integer', placeholder: 'N', min: 0, max: 65535, default: 0, description: 'Port on 127.0.0.1; 0 (the default) takes a free one.', example: '8080' },
  },
  examples: ['cxr view --model runs/20261126-140000/model', 'cxr view --model runs/first/model --port 8080'],
};

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The built viewer page: apps/viewer/dist of the repository (made by `npm install` and by
 * `nx run viewer:build`), found from this file (apps/pipeline/{src,dist}/lib/commands/).
 */
export function viewerDist(): string {
  const dist = fileURLToPath(new URL('../../../../viewer/dist', import.meta.url));
  if (!existsSync(join(dist, 'index.html'))) throw new UsageError(`The viewer page is not built (${dist} has no index.html); run \`npx nx run viewer:build\`.`);
  return dist;
}

/** The file under `root` that a URL path names, or undefined when it leaves `root` or is not a file. */
function fileUnder(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const path = normalize(join(root, decoded));
  if (path !== root && !path.startsWith(root.endsWith(sep) ? root : root + sep)) return undefined;
  try {
    return statSync(path).isFile() ? path : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The request handler: `/model/*` from the model folder, `/report.json` and `/run.json` from the run
 * folder above it, everything else from the built page. Cross-origin isolated (COOP/COEP), so
 * the WebAssembly engine can use threads.
 */
export function viewHandler(dist: string, modelDir: string): (req: IncomingMessage, res: ServerResponse) => void {
  const runDir = dirname(modelDir);
  return (req, res) => {
    const headers = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp', 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...headers, Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }).end('Only GET and HEAD.\n');
      return;
    }
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    let file: string | undefined;
    if (path.startsWith('/model/')) file = fileUnder(modelDir, path.slice('/model/'.length));
    else if (path === '/report.json' || path === '/run.json') file = fileUnder(runDir, path.slice(1));
    else file = fileUnder(dist, path === '/' ? 'index.html' : path);
    if (file === undefined) {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }).end(`Not found: ${path}\n`);
      return;
    }
    const body = readFileSync(file);
    res.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Length': body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') reject(new UsageError(`Port ${port} is already in use on 127.0.0.1; choose another with --port N, or leave --port out for a free one.`));
      else if (error.code === 'EACCES') reject(new UsageError(`Port ${port} needs privileges on this machine; choose one above 1023 with --port N, or leave --port out for a free one.`));
      else reject(error);
    });
    server.listen(port, '127.0.0.1', () => resolvePromise((server.address() as AddressInfo).port));
  });
}

/** `cxr view --model DIR [--port N]`: serves the page until Ctrl-C (or SIGTERM). */
export async function runView(parsed: ParsedCommand, { io }: CommandContext): Promise<number> {
  const v = parsed.values;
  if (typeof v['model'] !== 'string') throw new UsageError('cxr view needs a model: add --model DIR (the model/ folder of a run).');
  const modelDir = existingDir(absolute(io.cwd, v['model']), '--model');
  const dist = viewerDist();
  // The model is checked as predict checks it, so a bad folder is one sentence here, not an error in the page.
  await initBackend({ backend: 'auto' });
  const { model, metadata } = await loadModel(modelDir);
  try {
    commandModelSettings(model, metadata, { dir: modelDir });
  } finally {
    model.dispose();
  }
  const server = createServer(viewHandler(dist, modelDir));
  const port = await listen(server, typeof v['port'] === 'number' ? v['port'] : 0);
  const run = dirname(modelDir);
  const figures = existsSync(join(run, 'report.json')) ? `, with the figures of the run in ${run}` : ` (no report.json in ${run}: the page shows no run figures)`;
  io.stdout.write(`cxr view: serving the model in ${modelDir}${figures}.\nOpen http://127.0.0.1:${port}/ in a browser and drop X-rays on the page; Ctrl-C stops the server.\n`);
  await new Promise<void>((resolvePromise) => {
    if (io.signal?.aborted) resolvePromise();
    io.signal?.addEventListener('abort', () => resolvePromise(), { once: true });
  });
  await new Promise<void>((resolvePromise) => {
    server.close(() => resolvePromise());
    server.closeAllConnections();
  });
  io.stdout.write(`cxr view: stopped (${basename(modelDir)} is no longer served).\n`);
  return 0;
}
