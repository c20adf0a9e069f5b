/** Floating-point operations of one kernel call, from its input and output shapes (a multiply-add counts 2); undefined for kernels that move data more than they compute. */
export function kernelFlops(name: string, inputShapes: readonly (readonly number[])[], outputShapes: readonly (readonly number[])[]): number | undefined {
  const size = (shape: readonly number[] | undefined): number => (shape ?? []).reduce((a, b) => a * b, 1);
  const [first, second] = inputShapes;
  const out = outputShapes[0];
  switch (name) {
    case 'Conv2D':
    case 'FusedConv2D': {
      // filter [fh, fw, ci, co]; each output element is fh * fw * ci multiply-adds
      const [fh = 0, fw = 0, ci = 0] = second ?? [];
      return 2 * size(out) * fh * fw * ci;
    }
    case 'Conv2DBackpropFilter': {
      // inputs x, dy; output dW [fh, fw, ci, co]: each dy element meets fh * fw * ci inputs
      const [fh = 0, fw = 0, ci = 0] = out ?? [];
      return 2 * size(second) * fh * fw * ci;
    }
    case 'Conv2DBackpropInput': {
      // inputs dy, filter [fh, fw, ci, co]
      const [fh = 0, fw = 0, ci = 0] = second ?? [];
      return 2 * size(first) * fh * fw * ci;
    }
    case '_FusedMatMul':
    case 'BatchMatMul': {
      // out [b, m, n]; a holds b * m * k values
      const [b = 1, m = 1] = out ?? [];
      const k = size(first) / (b * m);
      return 2 * size(out) * k;
    }
    default:
      return undefined;
  }
}
