/**
 * The nginx master options clawmoat passes on to a command root runs (`nginx -t`, `nginx -s
 * reload`), as an allow list: planning a door step and accepting an undo from a journal use this
 * one list. A master started with anything else (a `-g load_module`, an `include`, a relative
 * path) is not driven from here: the step is refused and the fix explained.
 */

/** An absolute path of plain characters: no option, no glob, nothing a shell or nginx could read twice. */
export const PLAIN_PATH = /^\/[A-Za-z0-9_.@+/-]*$/;

const PATH = '\\/[A-Za-z0-9_.@+/-]*';
/** One `-g` directive as harden passes it on: only those that place the master (never load_module or include). */
const GLOBAL = new RegExp(`^(?:daemon (?:on|off)|master_process (?:on|off)|pid (${PATH})|error_log (?:stderr|(${PATH}))(?: [a-z]+)?)$`);

/** A path an nginx run with these options opens as root: what names it, and the path. */
export interface NginxOptionPath {
  option: string;
  path: string;
}

/** The directives of a `-g` value, each with the path it names; undefined when one is outside the allow list. */
function globalPaths(value: string): NginxOptionPath[] | undefined {
  const directives = value.split(';');
  // Every directive ends with its own ';': the text after the last one is blank.
  if (directives.length < 2 || directives.pop()!.trim() !== '') return undefined;
  const paths: NginxOptionPath[] = [];
  for (const directive of directives) {
    const m = GLOBAL.exec(directive.trim());
    if (!m) return undefined;
    if (m[1]) paths.push({ option: '-g pid', path: m[1] });
    if (m[2]) paths.push({ option: '-g error_log', path: m[2] });
  }
  return paths;
}

/**
 * Options as `-p P -e E -c C -g G` pairs, checked word by word: the paths they make nginx open
 * as root (config, prefix, error log, pid file), or why clawmoat does not pass them on.
 */
export function nginxOptions(args: readonly string[]): { paths: NginxOptionPath[] } | { error: string } {
  const paths: NginxOptionPath[] = [];
  for (let i = 0; i < args.length; i += 2) {
    const [flag, value] = [args[i]!, args[i + 1]];
    if (flag !== '-g' && flag !== '-p' && flag !== '-e' && flag !== '-c') return { error: `its command line has "${flag}", which clawmoat does not pass on` };
    if (value === undefined) return { error: `its ${flag} has no value` };
    if (flag === '-g') {
      const named = globalPaths(value);
      if (!named)
        return { error: `its -g "${value}" holds a directive other than daemon, master_process, pid or error_log with a plain absolute path (or stderr)` };
      paths.push(...named);
    } else if (!(flag === '-e' && value === 'stderr')) {
      if (!PLAIN_PATH.test(value)) return { error: `its ${flag} ${value} is not a plain absolute path` };
      paths.push({ option: flag, path: value });
    }
  }
  return { paths };
}
