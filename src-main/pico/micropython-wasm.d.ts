// Types for the parts of @micropython/micropython-webassembly-pyscript that we use.
declare module '@micropython/micropython-webassembly-pyscript' {
  export interface PythonError extends Error {
    readonly type: string;
  }
  export interface MicroPythonFS {
    mkdir(path: string): void;
    writeFile(path: string, data: Uint8Array | string): void;
    readFile(path: string): Uint8Array;
    chdir(path: string): void;
  }
  export interface MicroPythonModule {
    _malloc(size: number): number;
    _free(ptr: number): void;
  }
  export interface MicroPython {
    _module: MicroPythonModule;
    FS: MicroPythonFS;
    globals: { get(key: string): unknown; set(key: string, value: unknown): void };
    registerJsModule(name: string, module: object): void;
    pyimport(name: string): Record<string, unknown>;
    runPython(code: string): unknown;
    /** Compiles with top-level await allowed; settles when the code, awaits included, has ended. */
    runPythonAsync(code: string): Promise<unknown>;
  }
  export function loadMicroPython(options: {
    heapsize?: number;
    pystack?: number;
    /** Called per octet, as a one-octet array (we use linebuffer: false). */
    stdout?: (bytes: Uint8Array) => void;
    stderr?: (bytes: Uint8Array) => void;
    linebuffer?: false;
  }): Promise<MicroPython>;
}
