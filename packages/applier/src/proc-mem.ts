/**
 * Reads and writes another process's memory through /proc/PID/mem. As the tracer, writes
 * into read-only code pages go through the kernel's forced-write path.
 *
 * pread and pwrite are called through koffi rather than fs.readSync/writeSync: the freeze
 * makes a few of these calls while the target stands still, and Node's fs layer costs
 * 10–30 µs more per call on these machines than the system call itself.
 */
import fs from 'node:fs';
import koffi from 'koffi';
import { TscareError } from '@tscare/errors';
import { errnoName } from './sys.js';

export interface ProcMem {
  read(addr: number, len: number): Buffer;
  write(addr: number, data: Buffer): void;
  close(): void;
}

type Transfer = (fd: number, buf: Buffer, len: number, offset: number) => number;

let io: { pread: Transfer; pwrite: Transfer } | undefined;

function libcIo(): { pread: Transfer; pwrite: Transfer } {
  if (!io) {
    const libc = koffi.load('libc.so.6');
    io = {
      pread: libc.func('long pread(int fd, void *buf, unsigned long count, long offset)') as Transfer,
      pwrite: libc.func('long pwrite(int fd, const void *buf, unsigned long count, long offset)') as Transfer,
    };
  }
  return io;
}

export function openProcMem(pid: number, writable: boolean): ProcMem {
  const path = `/proc/${pid}/mem`;
  let fd: number;
  try {
    fd = fs.openSync(path, writable ? 'r+' : 'r');
  } catch (e) {
    throw new TscareError('PROC_MEM_OPEN', `cannot open ${path}: ${(e as Error).message}`, { cause: e });
  }
  const { pread, pwrite } = libcIo();

  /** Moves len bytes at addr; partial transfers go on where they stopped. */
  function transfer(op: Transfer, buf: Buffer, addr: number, code: 'PROC_MEM_READ' | 'PROC_MEM_WRITE'): void {
    const verb = code === 'PROC_MEM_READ' ? 'read' : 'write';
    for (let done = 0; done < buf.length;) {
      const n = Number(op(fd, done === 0 ? buf : buf.subarray(done), buf.length - done, addr + done));
      if (n < 0) {
        throw new TscareError(code, `cannot ${verb} ${buf.length} bytes at 0x${addr.toString(16)} of pid ${pid}: ${errnoName(koffi.errno())}`);
      }
      if (n === 0) throw new TscareError(code, `short ${verb} at 0x${(addr + done).toString(16)} of pid ${pid}`);
      done += n;
    }
  }

  return {
    read(addr, len) {
      const buf = Buffer.alloc(len);
      transfer(pread, buf, addr, 'PROC_MEM_READ');
      return buf;
    },
    write(addr, data) {
      transfer(pwrite, data, addr, 'PROC_MEM_WRITE');
    },
    close() {
      fs.closeSync(fd);
    },
  };
}
