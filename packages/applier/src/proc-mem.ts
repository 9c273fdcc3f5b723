/**
 * Reads and writes another process's memory through /proc/PID/mem. As the tracer, writes
 * into read-only code pages go through the kernel's forced-write path.
 */
import fs from 'node:fs';
import { TscareError } from '@tscare/errors';

export interface ProcMem {
  read(addr: number, len: number): Buffer;
  write(addr: number, data: Buffer): void;
  close(): void;
}

export function openProcMem(pid: number, writable: boolean): ProcMem {
  const path = `/proc/${pid}/mem`;
  let fd: number;
  try {
    fd = fs.openSync(path, writable ? 'r+' : 'r');
  } catch (e) {
    throw new TscareError('PROC_MEM_OPEN', `cannot open ${path}: ${(e as Error).message}`, { cause: e });
  }
  return {
    read(addr, len) {
      const buf = Buffer.alloc(len);
      let done = 0;
      while (done < len) {
        let n: number;
        try {
          n = fs.readSync(fd, buf, done, len - done, addr + done);
        } catch (e) {
          throw new TscareError('PROC_MEM_READ', `cannot read ${len} bytes at 0x${addr.toString(16)} of pid ${pid}: ${(e as Error).message}`, { cause: e });
        }
        if (n === 0) throw new TscareError('PROC_MEM_READ', `short read at 0x${(addr + done).toString(16)} of pid ${pid}`);
        done += n;
      }
      return buf;
    },
    write(addr, data) {
      let done = 0;
      while (done < data.length) {
        let n: number;
        try {
          n = fs.writeSync(fd, data, done, data.length - done, addr + done);
        } catch (e) {
          throw new TscareError('PROC_MEM_WRITE', `cannot write ${data.length} bytes at 0x${addr.toString(16)} of pid ${pid}: ${(e as Error).message}`, { cause: e });
        }
        if (n === 0) throw new TscareError('PROC_MEM_WRITE', `short write at 0x${(addr + done).toString(16)} of pid ${pid}`);
        done += n;
      }
    },
    close() {
      fs.closeSync(fd);
    },
  };
}
