/**
 * The config file (`-f`) an sshd process was started with, from its command line. OpenSSH's
 * listener writes a title over its argv (`sshd: /usr/sbin/sshd -D -f FILE [listener] 0 of
 * 10-100 startups`, one string: 9.2 on Debian 12 and every later release), so /proc/PID/cmdline
 * rarely holds the argv itself: the title's words between `sshd: ` and ` [listener]` are the
 * arguments, joined by spaces. (A config path with a space in it cannot be told apart there: the
 * word after -f is taken, `sshd -T -f` then fails on it and the checks that need sshd say
 * unknown.) The collection script mirrors this in shell (script/generate.ts, SSHD_ROUND); the
 * two are tested on the same titles.
 */

/** sshd's options that take an argument (sshd.c's getopt string "C:E:b:c:k:h:p:u:o:f:g:..."). */
const TAKES_ARGUMENT = new Set(['C', 'E', 'b', 'c', 'k', 'h', 'p', 'u', 'o', 'f', 'g']);

/** The listener title's arguments, or undefined when CMDLINE is not a listener title. */
function titleArguments(cmdline: string): string[] | undefined {
  const match = /^sshd: (.*?) \[listener\]/.exec(cmdline);
  return match ? match[1]!.split(' ').filter((word) => word !== '') : undefined;
}

/**
 * The arguments of an sshd process (program first) read from its argv or its listener title, or
 * undefined when the command line is not sshd's.
 */
export function sshdArguments(argv: readonly string[]): string[] | undefined {
  if (/(^|\/)sshd$/.test(argv[0] ?? '')) return [...argv];
  // (what follows the title, if anything, is the padding of the old argv; the collection script
  // reads the first string alone too. Whose process it is decides, not its title: sshd.ts.)
  const words = titleArguments(argv[0] ?? '');
  return words && /(^|\/)sshd$/.test(words[0] ?? '') ? words : undefined;
}

/** The -f of sshd's ARGS (program first), read as sshd's getopt does: `-f F`, `-fF`, `-Df F`; the last wins. */
export function sshdConfigFlag(args: readonly string[]): string | undefined {
  let file: string | undefined;
  for (let i = 1; i < args.length; i++) {
    const word = args[i]!;
    if (word === '--') break;
    // (glibc's getopt moves words that are no option to the end; a running sshd has none)
    if (!word.startsWith('-') || word === '-') continue;
    for (let at = 1; at < word.length; at++) {
      const option = word[at]!;
      if (!TAKES_ARGUMENT.has(option)) continue;
      const value = at + 1 < word.length ? word.slice(at + 1) : args[++i];
      if (option === 'f' && value !== undefined) file = value;
      break;
    }
  }
  return file;
}
