import { randomBytes } from 'node:crypto';
import { connect, type Socket as NetSocket } from 'node:net';

/**
 * A minimal WebSocket + Engine.IO + Socket.IO client that writes whatever bytes it is given: invalid UTF-8,
 * literal numbers JSON cannot hold (`1e400`), malformed packets, numeric or reserved event names. The real
 * client cannot send these, which is why a hostile one would use something like this.
 */
export class RawSocketIo {
  readonly #socket: NetSocket;
  #buffer = Buffer.alloc(0);
  #nextAck = 1;
  readonly #acks = new Map<string, (text: string) => void>();
  readonly #messages: string[] = [];
  readonly #waiters = new Set<() => void>();
  #closed = false;
  /** The WebSocket close code the hub sent, if it closed the connection. */
  closeCode: number | null = null;
  readonly closed: Promise<void>;

  private constructor(socket: NetSocket) {
    this.#socket = socket;
    this.closed = new Promise((resolve) => {
      socket.once('close', () => {
        this.#closed = true;
        for (const wake of this.#waiters) wake();
        resolve();
      });
    });
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  /** Opens the WebSocket transport and waits for Engine.IO's open packet. */
  static async open(port: number, headers: Record<string, string> = {}): Promise<RawSocketIo> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const key = randomBytes(16).toString('base64');
    const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    socket.write(
      `GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`,
    );
    const rest = await new Promise<Buffer>((resolve, reject) => {
      let head = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        socket.off('data', onData);
        const status = head.subarray(0, end).toString().split('\r\n')[0] ?? '';
        if (!status.includes(' 101 ')) reject(new Error(`upgrade refused: ${status}`));
        else resolve(head.subarray(end + 4));
      };
      socket.on('data', onData);
      socket.once('close', () => reject(new Error('closed during upgrade')));
    });
    const raw = new RawSocketIo(socket);
    if (rest.length > 0) raw.#onData(rest);
    const open = await raw.nextMessage((m) => m.startsWith('0'));
    if (!open) throw new Error('no Engine.IO open packet');
    return raw;
  }

  /** Joins a namespace with `auth`; resolves with the CONNECT answer (`40...` admitted, `44...` refused). */
  async join(nsp: string, auth: unknown): Promise<string> {
    this.sendText(`40${nsp},${JSON.stringify(auth)}`);
    const answer = await this.nextMessage((m) => m.startsWith(`40${nsp},`) || m.startsWith(`44${nsp},`));
    if (!answer) throw new Error(`no answer to CONNECT ${nsp}`);
    return answer;
  }

  /**
   * Sends `42<nsp>,<id><argsText>` (argsText is the raw JSON array text, e.g. `["approval.request",{...}]`) and
   * resolves with the parsed ack arguments, or `closed` if the hub closed the connection instead.
   */
  emitRaw(nsp: string, argsText: string | Buffer, timeoutMs = 5000): Promise<unknown[] | 'closed' | 'timeout'> {
    const id = String(this.#nextAck++);
    const prefix = Buffer.from(`42${nsp},${id}`);
    const body = typeof argsText === 'string' ? Buffer.from(argsText) : argsText;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#acks.delete(`${nsp}:${id}`);
        resolve('timeout');
      }, timeoutMs);
      this.#acks.set(`${nsp}:${id}`, (text) => {
        clearTimeout(timer);
        resolve(JSON.parse(text) as unknown[]);
      });
      const onClosed = () => {
        clearTimeout(timer);
        resolve('closed');
      };
      // `closed` only ever resolves; the second handler only says so to the linter.
      this.closed.then(onClosed, onClosed);
      this.#send(0x1, Buffer.concat([prefix, body]));
    });
  }

  sendText(text: string | Buffer): void {
    this.#send(0x1, typeof text === 'string' ? Buffer.from(text) : text);
  }

  sendBinary(data: Buffer): void {
    this.#send(0x2, data);
  }

  close(): void {
    this.#socket.destroy();
  }

  /** The next text message matching `match` (or null when the connection closes first). */
  async nextMessage(match: (m: string) => boolean, timeoutMs = 5000): Promise<string | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.#messages.findIndex(match);
      if (index >= 0) return this.#messages.splice(index, 1)[0]!;
      if (this.#closed || Date.now() > deadline) return null;
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.#waiters.delete(wake);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(wake, Math.max(1, deadline - Date.now()));
        this.#waiters.add(wake);
      });
    }
  }

  #send(opcode: number, payload: Buffer): void {
    if (this.#closed) return;
    const mask = randomBytes(4);
    let header: Buffer;
    if (payload.length < 126) header = Buffer.from([0x80 | opcode, 0x80 | payload.length]);
    else if (payload.length < 65_536) {
      header = Buffer.alloc(4);
      header[0] = 0x80 | opcode;
      header[1] = 0x80 | 126;
      header.writeUInt16BE(payload.length, 2);
    } else {
      header = Buffer.alloc(10);
      header[0] = 0x80 | opcode;
      header[1] = 0x80 | 127;
      header.writeBigUInt64BE(BigInt(payload.length), 2);
    }
    const masked = Buffer.alloc(payload.length);
    for (let i = 0; i < payload.length; i++) masked[i] = payload[i]! ^ mask[i % 4]!;
    this.#socket.write(Buffer.concat([header, mask, masked]));
  }

  #onData(chunk: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      if (this.#buffer.length < 2) return;
      const opcode = this.#buffer[0]! & 0x0f;
      let length = this.#buffer[1]! & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (this.#buffer.length < 4) return;
        length = this.#buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (this.#buffer.length < 10) return;
        length = Number(this.#buffer.readBigUInt64BE(2));
        offset = 10;
      }
      if (this.#buffer.length < offset + length) return;
      const payload = this.#buffer.subarray(offset, offset + length);
      this.#buffer = this.#buffer.subarray(offset + length);
      if (opcode === 0x8) {
        this.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : null;
        this.#socket.end();
      } else if (opcode === 0x9) {
        this.#send(0xa, Buffer.from(payload));
      } else if (opcode === 0x1) {
        this.#onText(payload.toString());
      }
    }
  }

  #onText(text: string): void {
    if (text === '2') {
      this.sendText('3');
      return;
    }
    const ack = /^43(\/[^,]*),(\d+)(.*)$/s.exec(text);
    if (ack) {
      const resolve = this.#acks.get(`${ack[1]}:${ack[2]}`);
      if (resolve) {
        this.#acks.delete(`${ack[1]}:${ack[2]}`);
        resolve(ack[3]!);
        return;
      }
    }
    this.#messages.push(text);
    for (const wake of [...this.#waiters]) wake();
  }
}
