/**
 * A minimal WebAssembly binary writer: just what the SIMD training kernels need (i32, f32, f64
 * and v128 arithmetic, loads and stores, structured control flow, one imported memory). Kernels are
 * written as TypeScript that emits instructions, so the project ships no prebuilt binary and
 * needs no compiler: the module is generated and compiled when the backend starts.
 *
 * Encoding reference: the WebAssembly core specification 2.0, binary format (sections 5.x),
 * and the fixed-width SIMD proposal's opcode table.
 */

export const i32 = 0x7f;
export const f32 = 0x7d;
export const f64 = 0x7c;
export const v128 = 0x7b;
export type ValType = typeof i32 | typeof f32 | typeof f64 | typeof v128;

function unsigned(value: number, out: number[]): void {
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
}

function signed(value: number, out: number[]): void {
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return;
  }
}

function name(text: string, out: number[]): void {
  const bytes = new TextEncoder().encode(text);
  unsigned(bytes.length, out);
  out.push(...bytes);
}

function section(id: number, body: number[], out: number[]): void {
  out.push(id);
  unsigned(body.length, out);
  out.push(...body);
}

/** Opcodes after the 0xfd (SIMD) prefix. */
const SIMD = {
  load: 0x00,
  load32Splat: 0x09,
  store: 0x0b,
  f32x4Splat: 0x13,
  f32x4Ne: 0x42,
  f32x4Gt: 0x44,
  and: 0x4e,
  andnot: 0x4f,
  or: 0x50,
  bitselect: 0x52,
  f32x4Add: 0xe4,
  f32x4Sub: 0xe5,
  f32x4Mul: 0xe6,
  f32x4Div: 0xe7,
  load64Zero: 0x5d,
  store64Lane: 0x5b,
  f32x4DemoteF64x2Zero: 0x5e,
  f64x2PromoteLowF32x4: 0x5f,
  f64x2Add: 0xf0,
  f64x2Div: 0xf3,
  /** IEEE maximum: NaN if either is NaN, -0 below +0. */
  f32x4Max: 0xe9,
  /** Pseudo-maximum: [a, b] -> a < b ? b : a, lane-wise (NaN in a stays, -0 stays). */
  f32x4Pmax: 0xeb,
  /** Relaxed SIMD: a * b + c, rounded once or twice as the runtime's hardware does it. */
  f32x4RelaxedMadd: 0x105,
} as const;

/**
 * One function's body. Locals are numbered after the parameters; every method appends one
 * instruction and returns `this`, so code reads as a stack-machine listing.
 */
export class FunctionBody {
  readonly code: number[] = [];
  private readonly extra: ValType[] = [];

  constructor(readonly params: readonly ValType[]) {}

  /** A new local of `type`; returns its index. */
  local(type: ValType): number {
    this.extra.push(type);
    return this.params.length + this.extra.length - 1;
  }

  /** Encoded locals declaration followed by the code and `end`. */
  encode(): number[] {
    const out: number[] = [];
    const groups: [number, ValType][] = [];
    for (const type of this.extra) {
      const last = groups[groups.length - 1];
      if (last !== undefined && last[1] === type) last[0] += 1;
      else groups.push([1, type]);
    }
    unsigned(groups.length, out);
    for (const [count, type] of groups) {
      unsigned(count, out);
      out.push(type);
    }
    out.push(...this.code, 0x0b);
    return out;
  }

  /** Appends raw instruction bytes. */
  op(...bytes: number[]): this {
    this.code.push(...bytes);
    return this;
  }

  private simd(opcode: number, ...immediates: number[]): this {
    this.code.push(0xfd);
    unsigned(opcode, this.code);
    this.code.push(...immediates);
    return this;
  }

  private memarg(align: number, offset: number): number[] {
    const out = [align];
    unsigned(offset, out);
    return out;
  }

  get(index: number): this {
    this.op(0x20);
    unsigned(index, this.code);
    return this;
  }
  set(index: number): this {
    this.op(0x21);
    unsigned(index, this.code);
    return this;
  }
  tee(index: number): this {
    this.op(0x22);
    unsigned(index, this.code);
    return this;
  }
  const(value: number): this {
    this.op(0x41);
    signed(value, this.code);
    return this;
  }
  add(): this {
    return this.op(0x6a);
  }
  sub(): this {
    return this.op(0x6b);
  }
  mul(): this {
    return this.op(0x6c);
  }
  divS(): this {
    return this.op(0x6d);
  }
  remS(): this {
    return this.op(0x6f);
  }
  and(): this {
    return this.op(0x71);
  }
  or(): this {
    return this.op(0x72);
  }
  eqz(): this {
    return this.op(0x45);
  }
  eq(): this {
    return this.op(0x46);
  }
  ltS(): this {
    return this.op(0x48);
  }
  gtS(): this {
    return this.op(0x4a);
  }
  /** Unsigned less-than: with a negative left operand (a huge unsigned one), false. */
  ltU(): this {
    return this.op(0x49);
  }
  leS(): this {
    return this.op(0x4c);
  }
  geS(): this {
    return this.op(0x4e);
  }
  /** `select`: [a, b, condition] -> condition ? a : b. */
  select(): this {
    return this.op(0x1b);
  }

  /** `block ... end`; `br 0` inside jumps past the end. */
  block(body: () => void): this {
    this.op(0x02, 0x40);
    body();
    return this.op(0x0b);
  }
  /** `loop ... end`; `br 0` inside jumps back to the start. */
  loop(body: () => void): this {
    this.op(0x03, 0x40);
    body();
    return this.op(0x0b);
  }
  /** `if ... end` on the i32 on the stack. */
  if(body: () => void): this {
    this.op(0x04, 0x40);
    body();
    return this.op(0x0b);
  }
  br(depth: number): this {
    this.op(0x0c);
    unsigned(depth, this.code);
    return this;
  }
  brIf(depth: number): this {
    this.op(0x0d);
    unsigned(depth, this.code);
    return this;
  }

  /** An f64 constant. */
  f64Const(value: number): this {
    this.op(0x44);
    this.code.push(...new Uint8Array(new Float64Array([value]).buffer));
    return this;
  }
  /** An f32 constant. */
  f32Const(value: number): this {
    this.op(0x43);
    this.code.push(...new Uint8Array(new Float32Array([value]).buffer));
    return this;
  }
  f64Load(offset = 0): this {
    this.op(0x2b);
    this.code.push(...this.memarg(3, offset));
    return this;
  }
  f32Load(offset = 0): this {
    this.op(0x2a);
    this.code.push(...this.memarg(2, offset));
    return this;
  }
  f32Store(offset = 0): this {
    this.op(0x38);
    this.code.push(...this.memarg(2, offset));
    return this;
  }
  f64Add(): this {
    return this.op(0xa0);
  }
  f64Sub(): this {
    return this.op(0xa1);
  }
  f64Mul(): this {
    return this.op(0xa2);
  }
  f64Floor(): this {
    return this.op(0x9c);
  }
  f64Ne(): this {
    return this.op(0x62);
  }
  /** The i32 on the stack (signed) as an f64 (exact). */
  f64FromI32(): this {
    return this.op(0xb7);
  }
  /** The f64 on the stack truncated to a signed i32, saturating (NaN gives 0): `i32.trunc_sat_f64_s`. */
  i32FromF64(): this {
    return this.op(0xfc, 0x02);
  }
  /** The f64 on the stack rounded to the nearest f32 (ties to even), as `Math.fround`. */
  f32FromF64(): this {
    return this.op(0xb6);
  }
  f32Add(): this {
    return this.op(0x92);
  }
  f32Mul(): this {
    return this.op(0x94);
  }

  i32Load(offset = 0): this {
    this.op(0x28);
    this.code.push(...this.memarg(2, offset));
    return this;
  }
  i32Store(offset = 0): this {
    this.op(0x36);
    this.code.push(...this.memarg(2, offset));
    return this;
  }
  v128Load(offset = 0): this {
    return this.simd(SIMD.load, ...this.memarg(4, offset));
  }
  v128Store(offset = 0): this {
    return this.simd(SIMD.store, ...this.memarg(4, offset));
  }
  /** Loads one f32 and repeats it in all four lanes. */
  load32Splat(offset = 0): this {
    return this.simd(SIMD.load32Splat, ...this.memarg(2, offset));
  }
  /** Loads 8 bytes into the low half, zeros in the high half. */
  load64Zero(offset = 0): this {
    return this.simd(SIMD.load64Zero, ...this.memarg(3, offset));
  }
  /** Stores the low 8 bytes (lane 0 of 64 bits). */
  store64Low(offset = 0): this {
    return this.simd(SIMD.store64Lane, ...this.memarg(3, offset), 0);
  }
  /** The two low f32 lanes as f64x2 (exact). */
  f64x2PromoteLow(): this {
    return this.simd(SIMD.f64x2PromoteLowF32x4);
  }
  /** f64x2 rounded to f32 (ties to even) in the two low lanes, zeros above. */
  f32x4DemoteZero(): this {
    return this.simd(SIMD.f32x4DemoteF64x2Zero);
  }
  f64x2Add(): this {
    return this.simd(SIMD.f64x2Add);
  }
  f64x2Div(): this {
    return this.simd(SIMD.f64x2Div);
  }
  /** f32x4.splat of an f32 constant. */
  f32x4Constant(value: number): this {
    return this.f32Const(value).simd(SIMD.f32x4Splat);
  }
  f32x4Add(): this {
    return this.simd(SIMD.f32x4Add);
  }
  f32x4Sub(): this {
    return this.simd(SIMD.f32x4Sub);
  }
  f32x4Mul(): this {
    return this.simd(SIMD.f32x4Mul);
  }
  f32x4Div(): this {
    return this.simd(SIMD.f32x4Div);
  }
  /** [a, b] -> max(a, b), lane-wise: NaN when either is NaN, and max(-0, 0) = 0. */
  f32x4Max(): this {
    return this.simd(SIMD.f32x4Max);
  }
  /** Relaxed SIMD `f32x4.relaxed_madd`: [a, b, c] -> a * b + c (fused where the hardware has FMA). */
  f32x4RelaxedMadd(): this {
    return this.simd(SIMD.f32x4RelaxedMadd);
  }
  /**
   * `acc + a * b` into local `acc`, where `a` and `b` are locals: one relaxed multiply-add when
   * `fused`, else a multiply and an add.
   */
  multiplyAdd(acc: number, a: number, b: number, fused: boolean): this {
    if (fused) return this.get(a).get(b).get(acc).f32x4RelaxedMadd().set(acc);
    return this.get(acc).get(a).get(b).f32x4Mul().f32x4Add().set(acc);
  }
  /** [a, b] -> a < b ? b : a, lane-wise: with b = 0, ReLU as `x < 0 ? 0 : x` (NaN and -0 kept). */
  f32x4Pmax(): this {
    return this.simd(SIMD.f32x4Pmax);
  }
  f32x4Gt(): this {
    return this.simd(SIMD.f32x4Gt);
  }
  /** [a, b] -> all ones where a != b (so where a is NaN, for a == b). */
  f32x4Ne(): this {
    return this.simd(SIMD.f32x4Ne);
  }
  v128And(): this {
    return this.simd(SIMD.and);
  }
  /** [a, b] -> a & ~b. */
  v128AndNot(): this {
    return this.simd(SIMD.andnot);
  }
  v128Or(): this {
    return this.simd(SIMD.or);
  }
  /** [a, b, mask] -> (a & mask) | (b & ~mask). */
  bitselect(): this {
    return this.simd(SIMD.bitselect);
  }
}

export interface ExportedFunction {
  readonly name: string;
  readonly body: FunctionBody;
}

/**
 * A module importing one memory as `env.memory` (shared, with the 4 GiB maximum, when
 * `sharedMemory`, so any shared memory fits) and exporting `functions` (no results).
 */
export function encodeModule(functions: readonly ExportedFunction[], sharedMemory: boolean): Uint8Array {
  const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const types: number[] = [];
  unsigned(functions.length, types);
  for (const { body } of functions) {
    types.push(0x60);
    unsigned(body.params.length, types);
    types.push(...body.params, 0x00);
  }
  section(1, types, out);
  const imports: number[] = [1];
  name('env', imports);
  name('memory', imports);
  imports.push(0x02);
  if (sharedMemory) {
    imports.push(0x03);
    unsigned(0, imports);
    unsigned(65536, imports);
  } else {
    imports.push(0x00);
    unsigned(0, imports);
  }
  section(2, imports, out);
  const declarations: number[] = [];
  unsigned(functions.length, declarations);
  functions.forEach((_, i) => unsigned(i, declarations));
  section(3, declarations, out);
  const exports: number[] = [];
  unsigned(functions.length, exports);
  functions.forEach(({ name: exported }, i) => {
    name(exported, exports);
    exports.push(0x00);
    unsigned(i, exports);
  });
  section(7, exports, out);
  const code: number[] = [];
  unsigned(functions.length, code);
  for (const { body } of functions) {
    const encoded = body.encode();
    unsigned(encoded.length, code);
    code.push(...encoded);
  }
  section(10, code, out);
  return Uint8Array.from(out);
}

/**
 * Whether this runtime accepts relaxed SIMD (`f32x4.relaxed_madd`): validates a one-function
 * module. On by default from Node 22 / Chrome 114; Node 20 needs `--experimental-wasm-relaxed-simd`.
 */
export function relaxedSimdSupported(): boolean {
  const f = new FunctionBody([v128, v128, v128]);
  f.get(0).get(1).get(2).f32x4RelaxedMadd().op(0x1a); // drop
  try {
    return (globalThis as unknown as { WebAssembly: { validate(bytes: Uint8Array): boolean } }).WebAssembly.validate(encodeModule([{ name: 'madd', body: f }], false));
  } catch {
    return false;
  }
}

/** A WebAssembly memory, as far as the kernels use it. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}

/** The parts of the `WebAssembly` global used here (this project's TypeScript libs do not declare them). */
export interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { readonly exports: Record<string, unknown> };
  readonly Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
}

/** The runtime's `WebAssembly` global. */
export const webAssembly = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
