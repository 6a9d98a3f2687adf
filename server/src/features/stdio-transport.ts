// The language server's messages over standard output, each written at once. vscode-jsonrpc's stream writer writes a
// message's header and body as two writes, each awaited, behind a queue that takes one turn of the event loop per
// message; while the background check runs a slice in every turn, a reply waited behind two or three slices (and
// behind every diagnostic published before it) before it left the process. Here a message is one write, made when it
// is sent; the stream keeps the order. (VS Code starts the server with --node-ipc, whose writer already sends at once;
// this is for editors and tests that speak LSP over stdio.)
import { AbstractMessageWriter, StreamMessageReader, type Message, type MessageReader, type MessageWriter } from 'vscode-languageserver/node';

export class StdoutMessageWriter extends AbstractMessageWriter implements MessageWriter {
  private errors = 0;

  constructor(private readonly out: NodeJS.WritableStream) {
    super();
    out.on('error', (error: Error) => this.fireError(error));
    out.on('close', () => this.fireClose());
  }

  /** Writes the message now; resolves once the stream has taken it (so a caller can wait for a full pipe to drain). */
  write(message: Message): Promise<void> {
    const body = Buffer.from(JSON.stringify(message), 'utf8');
    const framed = Buffer.concat([Buffer.from(`Content-Length: ${body.byteLength}\r\n\r\n`, 'ascii'), body]);
    return new Promise((resolve, reject) => {
      try {
        this.out.write(framed, (error?: Error | null) => {
          if (error) {
            this.fireError(error, message, ++this.errors);
            reject(error);
          } else {
            this.errors = 0;
            resolve();
          }
        });
      } catch (error) {
        this.fireError(error instanceof Error ? error : new Error(String(error)), message, ++this.errors);
        reject(error);
      }
    });
  }

  end(): void {}
}

/**
 * The reader and writer for `--stdio`, or undefined for the other transports (vscode-languageserver picks those from
 * the command line). As with the library's own stdio transport, the process ends when standard input closes (exit code
 * 0 after a shutdown request, else 1), and console output goes to stderr, since on stdout it would corrupt the stream.
 */
export function stdioTransport(shutDown: () => boolean, argv: readonly string[] = process.argv): [MessageReader, MessageWriter] | undefined {
  if (!argv.slice(2).includes('--stdio')) return undefined;
  const toStderr = (...args: unknown[]) => process.stderr.write(`${args.map(String).join(' ')}\n`);
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;
  const exit = () => process.exit(shutDown() ? 0 : 1);
  process.stdin.on('end', exit);
  process.stdin.on('close', exit);
  return [new StreamMessageReader(process.stdin), new StdoutMessageWriter(process.stdout)];
}
