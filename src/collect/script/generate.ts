import { DEFAULT_MAX_BYTES } from '../../safe-fs/read.js';
import { TOOL_VERSION } from '../../version.js';
import { DEFAULT_TIMEOUT_MS } from '../host.js';
import { COMPOSE_READS, DEFAULT_NAMES, OVERRIDE_NAMES } from '../compose.js';
import { DOCKER_READS } from '../docker.js';
import { DOOR_READS } from '../doors/index.js';
import { NETFILTER_READS } from '../netfilter.js';
import { NETWORK_READS } from '../network.js';
import { OPENCLAW_READS } from '../openclaw.js';
import { PROC_READS } from '../proc.js';
import { SOCKET_READS } from '../sockets.js';
import { SSHD_READS } from '../sshd.js';
import { TAILSCALE_READS } from '../tailscale.js';
import { UFW_READS } from '../ufw.js';
import { LEGACY_STATE_DIRS } from '../../openclaw/config-paths.js';
import type { ProcessReads, ScriptReads } from './declare.js';
import { DOOR_CONFIG_ROUND, NGINX_ROUND, PATH_OWNERS, RUN_DUMP } from './door-rounds.js';
import { FORMAT_LINE } from './frame.js';
import { TRAEFIK_HELPERS, TRAEFIK_ROUND } from './traefik-round.js';
import { SSHD_INCLUDE_ROUND } from './sshd-include-round.js';
import { OPENCLAW_INCLUDE_HELPERS, OPENCLAW_INCLUDE_ROUND } from './openclaw-include-round.js';

/**
 * The collection script: one POSIX sh program (dash, busybox sh, bash) built from the collectors'
 * declarations. It only reads, prints framed records (frame.ts) and removes its temp directory on
 * every exit. `clawmoat collect --print-script` prints it so an operator can read what runs as root.
 */

export const ALL_READS: readonly ScriptReads[] = [
  PROC_READS,
  SOCKET_READS,
  NETWORK_READS,
  NETFILTER_READS,
  UFW_READS,
  DOCKER_READS,
  COMPOSE_READS,
  TAILSCALE_READS,
  SSHD_READS,
  OPENCLAW_READS,
  DOOR_READS,
];

/** Single-quoted for sh: nothing inside is expanded. */
export function shQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

const seconds = (ms: number | undefined) => Math.max(1, Math.ceil((ms ?? DEFAULT_TIMEOUT_MS) / 1000));

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}

/** Plain alternatives (words joined by |): grep -E and every awk read them alike. */
const PLAIN_PATTERN = /^[A-Za-z0-9_-]+(\|[A-Za-z0-9_-]+)*$/;

/**
 * The awk that finds every pattern's candidates in one pass over the process table's lines
 * ("PID/cmdline:ARG"), as `grep [-i] -E PATTERN` would, each pid once a pattern. A pattern with
 * other syntax is refused here: awk's regular expressions and grep's differ at the edges.
 */
export function candidatesAwk(reads: readonly ProcessReads[]): string {
  const tests = reads.map((p, i) => {
    if (!PLAIN_PATTERN.test(p.pattern)) throw new Error(`process pattern ${p.pattern} is not plain alternatives; the collection script's awk cannot take it`);
    const subject = p.ignoreCase ? 'l' : '$0';
    const re = p.ignoreCase ? p.pattern.toLowerCase() : p.pattern;
    return `  if (${subject} ~ /${re}/) { if (e != last${i}) print ${i}, e; last${i} = e }`;
  });
  return ['{', '  e = $0; sub(/:.*/, "", e); l = tolower($0)', ...tests, '}'].join('\n');
}

function processLoops(reads: ProcessReads[]): string {
  const groups = reads.map((_, i) => `$PIDS${i}`).join(' ');
  return [
    // The candidates come from the process table read once (so a process that starts or exits
    // meanwhile, a web server's worker, is in both or in neither; without it, from /proc): its
    // entries "PID/cmdline:ARG" one a line (an argument's own newlines made spaces: the patterns
    // are words), so one tr for all.
    `if [ -n "\${TABLE:-}" ]; then tr '\\000\\n' '\\n ' < "$TABLE" > "$T/argv" 2>/dev/null; fi`,
    // Every pattern's candidates in one awk over that file, "INDEX PID/cmdline" a line (a pid once
    // a pattern); without awk, or should it fail, one grep a pattern as before.
    ...(reads.length === 0
      ? []
      : [
          ...reads.map((_, i) => `PIDS${i}=`),
          `if [ -n "\${TABLE:-}" ] && find_prog awk && m=$("$FOUND" ${shQuote(candidatesAwk(reads))} "$T/argv" 2>/dev/null); then`,
          `  set -- $m`,
          `  while [ $# -ge 2 ]; do`,
          `    case $1 in *[!0-9]*|'') break ;; esac`,
          `    eval "PIDS$1=\\"\\$PIDS$1 \\$2\\""; shift 2`,
          `  done`,
          `else`,
          ...reads.map((p, i) => `  candidates ${p.ignoreCase ? '-i ' : ''}-E ${shQuote(p.pattern)}; PIDS${i}=$PIDS`),
          `fi`,
        ]),
    // The script's own network namespace and every candidate's in one ls (its targets are the
    // kernel's "net:[N]"; ls's /proc/self is in the script's namespace): the collectors count
    // only processes in the script's own, so only those are read further.
    `set -- /proc/self/ns/net`,
    `for f in ${groups}; do set -- "$@" "/proc/\${f%/cmdline}/ns/net"; done`,
    `: > "$T/ns"`,
    `ls -l "$@" > "$T/ns" 2>/dev/null`,
    `SELFNS=`,
    `while IFS= read -r line; do`,
    `  case $line in *" -> "*) ;; *) continue ;; esac`,
    `  t=\${line##* -> }; l=\${line% -> *}; l=\${l##* }; pid=\${l#/proc/}; pid=\${pid%%/*}`,
    `  case $l in /proc/self/ns/net) SELFNS=$t; continue ;; esac`,
    `  case $pid in *[!0-9]*|'') continue ;; esac`,
    `  eval "NS_$pid=\\$t"`,
    `  outv link ok "$l" "$t"`,
    `done < "$T/ns"`,
    `for f in ${groups}; do`,
    `  pid=\${f%/cmdline}`,
    `  eval "ns=\\\${NS_$pid:-}"`,
    `  [ -n "$ns" ] || { eval "NS_$pid=-"; outv link missing "/proc/$pid/ns/net" ''; }`,
    `done`,
    `if [ -n "$SELFNS" ]; then outv link ok /proc/self/ns/net "$SELFNS"; else outv link missing /proc/self/ns/net ''; fi`,
    `OURNS=$SELFNS`,
    ...reads.map((p, i) =>
      [
        `for f in $PIDS${i}; do`,
        '  pid=${f%/cmdline}',
        '  eval "ns=\\${NS_$pid:-}"',
        '  [ "$ns" = "$OURNS" ] || continue',
        ...p.reads.filter((r) => r !== 'netns').map((r) => `  proc_${r} "$pid"`),
        'done',
      ].join('\n'),
    ),
  ].join('\n');
}

/**
 * Every directory and file on the way to the declared files (not /proc's), each once, in order:
 * what prefetch_stats stats in one go. A component with a space or a newline is left out (its
 * file is then checked by a stat of its own): the cache's lines are split at spaces.
 */
export function prefetchComponents(files: readonly string[]): string[] {
  const components = files
    .filter((f) => f.startsWith('/') && !f.startsWith('/proc/'))
    .flatMap((f) => {
      const parts = f.split('/').filter(Boolean);
      return parts.map((_, i) => `/${parts.slice(0, i + 1).join('/')}`);
    });
  return unique(components).filter((c) => !/\s/.test(c));
}

/** sc_index PATH: the index of PATH among the prefetched components (SCI), or empty. */
function scIndex(components: readonly string[]): string[] {
  return ['sc_index() {', '  case $1 in', ...components.map((c, i) => `    ${shQuote(c)}) SCI=${i} ;;`), '    *) SCI= ;;', '  esac', '}'];
}

export function generateScript(reads: readonly ScriptReads[] = ALL_READS): string {
  const all = (key: 'files' | 'kernelValues' | 'which' | 'dirs' | 'stats' | 'env') => unique(reads.flatMap((r) => r[key] ?? []));
  const commands = reads.flatMap((r) => r.commands ?? []);
  const rounds = new Set(reads.flatMap((r) => r.rounds ?? []));
  const processes = reads.flatMap((r) => r.processes ?? []);
  const kernel = all('kernelValues');
  const perIface = kernel.filter((k) => k.includes('{iface}'));
  const doorIndex = processes.findIndex((p) => p.pattern.startsWith('nginx'));
  const lines: string[] = [
    HEADER,
    ...all('env').map((name) => `env_var ${name}`),
    ...all('which').map((p) => `which_prog ${shQuote(p)}`),
    ...scIndex(prefetchComponents(all('files'))),
    `prefetch_stats ${prefetchComponents(all('files')).map(shQuote).join(' ')}`,
    ...all('files').map((f) => `read_file ${shQuote(f)}`),
    'flush_reads copy',
    ...all('dirs').map((d) => `list_dir ${shQuote(d)}`),
    ...all('stats').map((s) => `stat_path ${shQuote(s)}`),
    ...kernel.filter((k) => !k.includes('{iface}')).map((k) => `kernel_value ${shQuote(k)}`),
    ...(perIface.length > 0
      ? [
          'for iface in /sys/class/net/*; do',
          '  [ -e "$iface" ] || continue; iface=${iface##*/}',
          ...perIface.map((k) => `  kernel_value ${shQuote(k.split('{iface}')[0]!)}"$iface"${shQuote(k.split('{iface}')[1]!)}`),
          'done',
        ]
      : []),
    ...commands.map((c) => {
      const call = `run_cmd ${seconds(c.timeoutMs)} ${c.argv.map(shQuote).join(' ')}`;
      return c.ifNonEmpty ? `if [ -s ${shQuote(c.ifNonEmpty)} ]; then ${call}; fi` : call;
    }),
    ...(rounds.has('process-table') ? ['process_table'] : []),
    processLoops(processes),
    ...(rounds.has('sshd-config') ? [SSHD_ROUND(processes.findIndex((p) => p.pattern === 'sshd')), SSHD_INCLUDE_ROUND] : []),
    ...(rounds.has('openclaw') || rounds.has('nginx') || rounds.has('door-configs') || rounds.has('traefik') ? [PATH_OWNERS] : []),
    ...(rounds.has('openclaw')
      ? [OPENCLAW_HELPERS, OPENCLAW_INCLUDE_HELPERS, OPENCLAW_ROUND(processes.findIndex((p) => p.reads.includes('environ'))), OPENCLAW_INCLUDE_ROUND]
      : []),
    ...(rounds.has('compose') ? [COMPOSE_ROUND] : []),
    ...(rounds.has('docker') ? [DOCKER_ROUND] : []),
    ...(rounds.has('nginx') || rounds.has('door-configs') || rounds.has('traefik') ? [RUN_DUMP] : []),
    ...(rounds.has('nginx') ? [NGINX_ROUND(doorIndex)] : []),
    ...(rounds.has('door-configs') ? [DOOR_CONFIG_ROUND(doorIndex)] : []),
    ...(rounds.has('traefik') ? [TRAEFIK_HELPERS, TRAEFIK_ROUND(doorIndex)] : []),
    'flush_reads',
    'finish',
    '',
  ];
  return lines.join('\n');
}

const HEADER = `#!/bin/sh
# clawmoat ${TOOL_VERSION} collection script. It reads this host (sockets, netfilter, UFW, Docker,
# Tailscale, sshd, OpenClaw) and prints framed records on stdout; it changes nothing on the host.
# Run it as root with sh (dash, busybox sh, bash): sh -s < script > HOST.out
# Parse the output elsewhere: clawmoat collect --from HOST.out -o HOST.json
# The output holds raw file contents (secrets included): keep it like the host's own files.
# Secrets are redacted only when clawmoat parses it into a snapshot.
set -u
LC_ALL=C; export LC_ALL
PATH="\${PATH:-/usr/bin:/bin}:/usr/sbin:/sbin:/usr/local/sbin:/usr/local/bin"; export PATH
umask 077
# The temp directory and its copies' directory (r) by one mkdir, named from the kernel's random
# UUID read by the shell (no mktemp started: one program fewer); without that file, mktemp -d.
T=; U=
{ IFS= read -r U < /proc/sys/kernel/random/uuid; } 2>/dev/null
case $U in *[!0-9a-f-]* | '') ;; *) T="\${TMPDIR:-/tmp}/clawmoat.$U"; mkdir -m 0700 "$T" "$T/r" 2>/dev/null || { rmdir "$T" 2>/dev/null; T=; } ;; esac
[ -n "$T" ] || T=$(mktemp -d 2>/dev/null) || { echo 'clawmoat: mktemp -d failed' >&2; exit 1; }
WD=
# On every exit: the watchdog is stopped, the temp directory removed.
trap '[ -z "$WD" ] || kill $WD 2>/dev/null; rm -rf "$T"' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
# Facts from /proc with the shell's own read (no id, no uname started); the programs where /proc says nothing.
ME=
if [ -r /proc/self/status ]; then
  while read -r k r e rest; do case $k in Uid:) ME=$e; break ;; esac; done < /proc/self/status
fi
case $ME in ''|*[!0-9]*) ME=$(id -u) ;; esac
MAX=${DEFAULT_MAX_BYTES}
N=0

# Records are kept until the end and printed then: one header line per record, "R OP STATUS IDLEN
# DATALEN" (kept in the variable META), then every id and data back to back, then the count. A
# value the shell holds (a link, a kind, a path found) is measured with \${#v} (bytes: LC_ALL=C)
# and appended to the current chunk file; a file's or a command's bytes stay in their own file
# (K.f, a command's stderr K.e), counted by one wc at the end. No content can end a record early or
# forge another, no process is started per record, and the temp directory holds a few files per
# command or file read, not per record.
: > "$T/batch"; : > "$T/w"
META=
TAB='	'
NL='
'
K=0; C=0; ORDER=
# The keys of files whose read failed (" K1 K2 "): their records say error.
FAILED=' '
outv() { # OP STATUS ID VALUE
  N=$((N + 1))
  META="\${META}R $1 $2 \${#3} \${#4}$NL"
  printf '%s%s' "$3" "$4" >> "$T/$C.c"
}
new_file() { K=$((K + 1)); D="$T/$K.f"; }
end_file() { [ -e "$D" ] || : > "$D"; file_record $K "$@"; }
file_record() { # KEY OP STATUS ID: a record whose data is the file KEY.f (written now or at the next flush_reads)
  N=$((N + 1))
  META="\${META}R $2 $3 \${#4} @$1$NL"
  printf '%s' "$4" >> "$T/$C.c"
  ORDER="$ORDER $C.c $1.f"
  C=$((C + 1))
}
cut_stderr() { # FILE: a command's stderr over 4096 bytes, its first 4096 in its place (size too)
  if "$HEAD" -c 4096 "$1" > "$1.t" 2>/dev/null; then size=4096; else : > "$1.t"; size=0; fi
  o="$ORDER "; ORDER="\${o%%" $1 "*} $1.t \${o#*" $1 "}"; ORDER=\${ORDER% }
}
finish() {
  stop_watchdog
  : >> "$T/$C.c"
  ORDER="$ORDER $C.c"
  cd "$T" || exit 1
  set --
  for f in $ORDER; do case $f in [0-9]*.c) ;; *) set -- "$@" "$f" ;; esac; done
  # The sizes and the header lines in the shell's memory (one wc; META is a variable): no file
  # read byte by byte by the shell's read, one printf for every header.
  SIZES=$("$WC" -c "$@" /dev/null) || exit 1
  OUT="${FORMAT_LINE}$NL"
  oldifs=$IFS; set -f; IFS=$NL
  for line in $META; do
    case $line in
      *@*)
        size=\${SIZES%%"$NL"*}; SIZES=\${SIZES#*"$NL"}
        IFS=' '; set -- $size; size=$1; set -- $line; IFS=$NL
        case $5 in *.e) [ "$size" -le 4096 ] || cut_stderr "\${5#@}" ;; esac
        case $FAILED in *" \${5#@} "*) OUT="\${OUT}R $2 error $4 $size$NL" ;; *) OUT="\${OUT}R $2 $3 $4 $size$NL" ;; esac
        ;;
      *) OUT="$OUT$line$NL" ;;
    esac
  done
  set +f; IFS=$oldifs
  printf '%sD\\n' "$OUT"
  "$CAT" $ORDER
  printf '\\nE %s\\n' $N
  cd /
}

# Every step that could hang (a dump command; a file read, which a FIFO swapped in would block)
# runs under one watchdog, a subshell started once, in place of a timeout(1) process per step.
# The shell writes "STEP SECONDS" to $T/w before the step's command and empties it after; the
# watchdog wakes each second and, once the same step has been there SECONDS seconds, marks it
# ($T/k.STEP: recorded as timed out) and stops the script's child that runs it, and that child's
# own children (TERM, then KILL a second later); the steps after it still run. A step so ends
# within about SECONDS + 3 seconds. The child is found in /proc by its parent, this script (the
# command runs in the foreground: no fork of the shell), and is stopped only if its step is still
# there after the search: a process started after that is the next step's, never touched.
# PIDs are reused: the watchdog runs only while its own parent is still this script (a script
# killed outright leaves it to init, and a stranger given the script's PID later is not its
# parent), and signals a process only while it has the start time the search saw.
watchdog() {
  ws=; n=0
  while [ -d "$T" ] && script_alive && sleep 1 && script_alive; do
    wl=; read -r wl < "$T/w" || [ -n "$wl" ] || continue
    set -- $wl
    [ $# -eq 2 ] || continue
    if [ "$1" != "$ws" ]; then ws=$1; n=0; continue; fi
    n=$((n + 1))
    if [ $n -ge "$2" ]; then stop_step; fi
  done
}
# script_alive: is this subshell's parent (its /proc/self/stat, opened by the subshell itself)
# still the script ($$ is the script's PID in a subshell)? Without /proc, kill -0 as before.
script_alive() {
  l=
  if { read -r l < /proc/self/stat; } 2>/dev/null; then
    set -- \${l##*) }
    [ "\${2:-}" = "$$" ]
  else
    kill -0 $$ 2>/dev/null
  fi
}
stop_step() { # the script's children but this watchdog (pid in $T/wd), and theirs, if step $ws still runs
  read -r wdp < "$T/wd" || return 0
  # every process as "PARENT:PID/STARTTIME" (stat's fields 4, 1 and 22)
  pp=
  for st in /proc/[0-9]*/stat; do
    l=; read -r l < "$st" || continue
    set -- \${l##*) }
    [ $# -ge 20 ] || continue
    pp="$pp $2:\${l%% *}/\${20}"
  done
  kids=; new=" $$ "
  while [ -n "$new" ]; do
    next=
    for e in $pp; do
      c=\${e#*:}; c=\${c%/*}
      case $new in *" \${e%%:*} "*) [ "$c" = "$wdp" ] || { kids="$kids \${e#*:}"; next="$next $c "; } ;; esac
    done
    new=$next
  done
  wl=; read -r wl < "$T/w"
  [ "\${wl%% *}" = "$ws" ] || return 0
  : > "$T/k.$ws"
  [ -n "$kids" ] || return 0
  signal_same TERM
  sleep 1
  signal_same KILL
}
# signal_same SIGNAL: each of the kids ("PID/STARTTIME") that is still that very process (the same
# start time in its stat), while the script lives: a PID freed and reused meanwhile is not signalled.
signal_same() {
  sig=$1
  script_alive || return 0
  for kk in $kids; do
    l=; read -r l < "/proc/\${kk%/*}/stat" || continue
    set -- \${l##*) }
    [ "\${20:-}" = "\${kk#*/}" ] || continue
    kill -"$sig" "\${kk%/*}" 2>/dev/null
  done
}
STEP=0
watchdog < /dev/null > /dev/null 2>&1 &
WD=$!
echo $WD > "$T/wd"
stop_watchdog() { [ -z "$WD" ] || kill $WD 2>/dev/null; WD=; }
# bounded SECONDS CMD...: an external CMD (a path: never one of busybox sh's own applets, which
# could run inside the shell) as step STEP under the watchdog; its status in RC, "timeout" when stopped.
bounded() {
  printf '%s %s\\n' "$STEP" "$1" > "$T/w"
  shift
  "$@"; RC=$?
  : > "$T/w"
  [ ! -e "$T/k.$STEP" ] || RC=timeout
}

outv fact ok pid "$$"
outv fact ok uid "$ME"
OS=; HN=; KR=
{ IFS= read -r OS < /proc/sys/kernel/ostype; IFS= read -r HN < /proc/sys/kernel/hostname; IFS= read -r KR < /proc/sys/kernel/osrelease; } 2>/dev/null
if [ -z "$OS" ] || [ -z "$HN" ] || [ -z "$KR" ]; then set -- $(uname -s -n -r); OS=$1; HN=$2; KR=$3; fi
outv fact ok hostname "$HN"
outv fact ok kernel "$KR"
case $OS in Linux) outv fact ok platform linux ;; *) outv fact ok platform "$OS" ;; esac
START=$PWD
outv fact ok cwd "$START"

env_var() { # NAME: only set variables are recorded
  eval "if [ -n \\"\\\${$1+set}\\" ]; then outv env ok $1 \\"\\\$$1\\"; fi"
}
# find_prog NAME: its path on PATH, in FOUND. By hand, not with command -v: busybox sh may answer
# with its own applet (its ip, its sysctl) where the host has the real program, which Node would run.
find_prog() {
  FOUND=
  oldifs=$IFS; IFS=:
  for d in $PATH; do
    if [ -n "$d" ] && [ -f "$d/$1" ] && [ -x "$d/$1" ]; then FOUND=$d/$1; break; fi
  done
  IFS=$oldifs
  [ -n "$FOUND" ]
}
which_prog() {
  if find_prog "$1"; then outv which ok "$1" "$FOUND"; else outv which missing "$1" ''; fi
}
# head by its path, so it is a process of its own under every shell (the watchdog stops processes).
HEAD=head
if find_prog head; then HEAD=$FOUND; fi
# wc and cat by their paths too: busybox sh would run its own applets, whose wc -c reads every
# byte of the dumps where coreutils' takes a regular file's size from fstat (the same programs on a
# host whose wc and cat are busybox).
WC=wc; CAT=cat
if find_prog wc; then WC=$FOUND; fi
if find_prog cat; then CAT=$FOUND; fi
stat_path() {
  if [ -f "$1" ]; then k=file; elif [ -d "$1" ]; then k=directory; elif [ -e "$1" ]; then k=other; else k=missing; fi
  outv stat ok "$1" $k
}
kernel_value() { # one-line kernel files (/proc/sys): the shell's own read, no process started
  # (read may report end of file on /proc/sys, which answers a byte-at-a-time read oddly: the value is what counts)
  v=
  if [ -r "$1" ] && { IFS= read -r v < "$1" || [ -n "$v" ]; }; then outv read ok "$1" "$v
"; else outv read missing "$1" ''; fi
}
list_dir() { # names NUL-separated
  if [ ! -d "$1" ]; then outv list missing "$1" ''; return; fi
  new_file
  # In the directory its globs give the bare names, all printed by one printf (a systemd
  # directory holds hundreds: no work a name); then back where the script was. Without search
  # permission on it (a plain user), name by name from "DIR/": a name the glob found is there (no
  # stat each), only a pattern left as it is (nothing matched, or a file so named) is looked at;
  # the name is cut from the known "DIR/" (dash's \${f##*/} is quadratic in the path's length).
  # (an absolute path only, and cd's output discarded: a relative one would go by CDPATH, and cd
  # then prints where it went, into the records)
  ldhere=$PWD; ldin=
  case $1 in /*) if cd -P -- "$1" > /dev/null 2>&1; then ldin=1; fi ;; esac
  if [ -n "$ldin" ]; then
    { glob_names '*' *; glob_names '.[!.]*' .[!.]*; glob_names '..?*' ..?*; } > "$D"
    cd -- "$ldhere" > /dev/null 2>&1 || cd /
  else
    for f in "$1"/* "$1"/.[!.]* "$1"/..?*; do
      case $f in "$1/*" | "$1/.[!.]*" | "$1/..?*") [ -e "$f" ] || [ -L "$f" ] || continue ;; esac
      printf '%s\\0' "\${f#"$1"/}"
    done > "$D"
  fi
  end_file list ok "$1"
}
glob_names() { # PATTERN WORDS...: the words one glob gave, none when it matched nothing (the pattern itself, no file so named)
  gp=$1; shift
  if [ $# -eq 1 ] && [ "$1" = "$gp" ] && [ ! -e "$1" ] && [ ! -L "$1" ]; then return 0; fi
  printf '%s\\0' "$@"
}
proc_link() { # OP PATH
  if v=$(readlink "$2" 2>/dev/null); then outv link ok "$2" "$v"; else outv link missing "$2" ''; fi
}
proc_netns() { proc_link link "/proc/$1/ns/net"; }
proc_cwd() { proc_link link "/proc/$1/cwd"; }
proc_exe() { proc_link link "/proc/$1/exe"; }
proc_raw() { # /proc files: generated by the kernel, read as they are
  new_file
  if cat "$1" > "$D" 2> "$T/re"; then end_file raw ok "$1"
  elif grep -q -i -E 'denied|not permitted' "$T/re"; then outv raw EACCES "$1" ''
  else outv raw ENOENT "$1" ''; fi
}
proc_environ() { proc_raw "/proc/$1/environ"; }
proc_status() {
  new_file
  if cat "/proc/$1/status" > "$D" 2>/dev/null; then end_file read ok "/proc/$1/status"; else outv read missing "/proc/$1/status" ''; fi
}

# run_cmd SECONDS ARGV...: stdout as one record, stderr as the next; the watchdog stops it after
# SECONDS. After it, D is its output and rc its status.
# err_record STATUS ID: the command's stderr, in $T/K.e (K: its output's key), as the next record;
# finish cuts one over 4096 bytes to its first 4096 (a head only then). A file a command costs a
# few syscalls; the head each command with something on stderr had cost a process (~1 ms).
err_record() {
  rc=$1
  [ -e "$T/$K.e" ] || : > "$T/$K.e"
  N=$((N + 1))
  META="\${META}R stderr $1 \${#2} @$K.e$NL"
  printf '%s' "$2" >> "$T/$C.c"
  ORDER="$ORDER $C.c $K.e"
  C=$((C + 1))
}
run_cmd() {
  t=$1; shift
  id="$*"
  if ! find_prog "$1"; then outv run absent "$id" ''; return; fi
  shift
  new_file
  STEP=$((STEP + 1))
  bounded "$t" "$FOUND" "$@" > "$D" 2> "$T/$K.e" < /dev/null
  end_file run $RC "$id"
  err_record $RC "$id"
}

# proc_text FILE: a short kernel table (/proc/net: the netfilter table names) by the shell's own
# read, no process started: its lines as they are, a last line without a newline kept without.
proc_text() {
  pl=
  { while IFS= read -r pl; do printf '%s\n' "$pl"; done; [ -z "$pl" ] || printf '%s' "$pl"; } < "$1"
}

# read_file PATH: the safe read of src/safe-fs/ as far as sh allows. A regular file only, at most
# MAX bytes, never through a symbolic link a user owns, and never what a user who controls a
# directory on the way could not read: a user's symlink to /etc/shadow reads nothing.
read_file() {
  p=$1
  case $p in /*) ;; *) outv read error "$p" "$p is not an absolute path"; return ;; esac
  # (one path per line in the batch of reads: a name with a newline could smuggle in another path)
  case $p in *"$NL"*) outv read unsafe "$p" "$p has a newline in its name; the collection script does not read such a path"; return ;; esac
  if [ ! -e "$p" ] && [ ! -L "$p" ]; then outv read missing "$p" ''; return; fi
  case $p in /proc/net/*)
    new_file
    if proc_text "$p" > "$D" 2>/dev/null; then end_file read ok "$p"; else outv read denied "$p" "$p is not readable (permission denied)"; fi
    return ;;
  /proc/[0-9]*/*|/proc/sys/*)
    new_file
    if cat "$p" > "$D" 2>/dev/null; then end_file read ok "$p"; else outv read denied "$p" "$p is not readable (permission denied)"; fi
    return ;;
  esac
  CTL=
  check_path "$p" || return
  real=$p
  if [ -n "$LINKED" ]; then
    real=$(readlink -f "$p" 2>/dev/null) || { outv read missing "$p" ''; return; }
    check_path "$real" || return
  fi
  # the last component: a regular file (0x8000 in the mode's type bits), within the cap
  set -- $LAST
  if [ $(( 0x$3 & 0xF000 )) -ne $(( 0x8000 )) ]; then outv read notreg "$p" "$p is not a regular file; clawmoat reads only regular files"; return; fi
  if [ "$4" -gt $MAX ]; then outv read large "$p" "$p is $4 bytes, over the $MAX-byte limit for a file of this kind; is it the right file?"; return; fi
  fu=$1; fm=$(( 0x$3 ))
  for c in $CTL; do
    if [ "$c" = any ]; then [ $((fm & 4)) -ne 0 ] && continue
    elif [ "$c" = "$fu" ]; then [ $((fm & 256)) -ne 0 ] && continue
    else [ $((fm & 4)) -ne 0 ] && [ $((fm & 32)) -ne 0 ] && continue; fi
    outv read denied "$p" "$p is not readable by uid $c, who controls the path; clawmoat reads for root only what that user could read"
    return
  done
  # Approved: read with the others at the next flush_reads, under the watchdog, from a descriptor
  # that must be this very file (its device and inode, $5): "KEY DEV:INO WHO PATH", WHO "-" when
  # no one but root controls the path (only those may go to the copy batch, which cannot check).
  new_file
  file_record $K read ok "$p"
  if [ -n "$CTL" ]; then who=u; else who=-; fi
  printf '%s\\t%s\\t%s\\t%s\\n' $K "$5" $who "$real" >> "$T/batch"
}
# flush_reads [copy]: the approved files' bytes (at most MAX + 1: over MAX, grown since its stat,
# the parser refuses it as too large), each read by read_checked where a user controls a component
# of its path (by head where no one but root does), the batch one step of 10 seconds for the
# watchdog: a file swapped for a FIFO cannot hang us (its read and the rest of the batch fail). With "copy" (the declared files, which no round reads back) a batch of plain names no one
# but root controls is first copied by one cp (copy_batch), and only what it did not copy is read.
flush_reads() {
  [ -s "$T/batch" ] || return 0
  STEP=$((STEP + 1)); late=; COPIED=' '
  if [ "\${1:-}" = copy ]; then copy_batch; fi
  while IFS= read -r l; do
    k=\${l%%"$TAB"*}; f=\${l#*"$TAB"}; di=\${f%%"$TAB"*}; f=\${f#*"$TAB"}; who=\${f%%"$TAB"*}; f=\${f#*"$TAB"}
    # (a declared file's key by its index, RK_INDEX, for a round that parses it again: sshd's Includes)
    if [ "\${1:-}" = copy ]; then sc_index "$f"; [ -z "$SCI" ] || eval "RK_$SCI=\\$k"; fi
    case $COPIED in *" $k "*) continue ;; esac
    if [ -z "$late" ] && [ "$who" = - ]; then
      # (a path no one but root controls cannot be swapped by a user: read by name, one process)
      RC=1; [ -L "$f" ] || bounded 10 "$HEAD" -c $((MAX + 1)) "$f" > "$T/$k.f" 2>/dev/null
      case $RC in 0) continue ;; timeout) late=1 ;; esac
    elif [ -z "$late" ]; then
      bounded 10 read_checked "$di" "$f" > "$T/$k.f" 2>/dev/null
      case $RC in
        0) continue ;;
        timeout) late=1 ;;
        3) printf '%s changed between its check and its read; clawmoat did not read it' "$f" > "$T/$k.f"; FAILED="$FAILED$k "; continue ;;
      esac
    fi
    printf '%s could not be read' "$f" > "$T/$k.f"; FAILED="$FAILED$k "
  done < "$T/batch"
  : > "$T/batch"
}
# read_checked DEV:INO PATH: PATH opened once, and read from that descriptor only when it is the
# file the check approved (the same device and inode, by stat -L of /proc/self/fd/3, the open file
# itself): a directory on the way swapped for a link since the check (a user who controls one
# renames it) opens another file, which is not read (status 3). The open follows a link as the
# check did (LINKED: the check's own readlink -f); only the inode decides. A subshell, so the
# watchdog can stop an open that blocks (a FIFO swapped in) with the rest of the step.
read_checked() (
  exec 3< "$2" || exit 1
  [ "$(stat -L -c '%d:%i' /proc/self/fd/3 2>/dev/null)" = "$1" ] || exit 3
  exec "$HEAD" -c $((MAX + 1)) <&3 3<&-
)
# copy_batch: the batch's files with plain names (each new to $T/r) on paths no one but root
# controls (cp's read cannot be checked against the safe read's inode: no user can swap anything on
# those), when there are 4 or more, read by one cp -P into $T/r in place of a read each. GNU cp -P opens with O_NOFOLLOW and checks the
# file it opened is the one it stat'ed: a file swapped for a symbolic link is not followed. Each
# copy is bounded (ulimit -f: at most MAX + 512 bytes, over MAX the parser refuses it); should cp
# fail in any way (a file grown past the bound, a FIFO, a link, gone), head reads them all again.
copy_batch() {
  [ -n "$CP" ] || return 0
  set --; keys=; names=' '
  while IFS= read -r l; do
    k=\${l%%"$TAB"*}; f=\${l#*"$TAB"*"$TAB"}; who=\${f%%"$TAB"*}; f=\${f#*"$TAB"}; b=\${f##*/}
    [ "$who" = - ] || continue
    case $b in ''|[-.]*|*[!A-Za-z0-9._-]*) continue ;; esac
    case $names in *" $b "*) continue ;; esac
    [ ! -e "$T/r/$b" ] || continue
    names="$names$b "; keys="$keys $k:$b"
    set -- "$@" "$f"
  done < "$T/batch"
  [ $# -ge 4 ] || return 0
  [ -d "$T/r" ] || mkdir "$T/r" || return 0
  bounded 10 copy_files "$@" 2>/dev/null
  case $RC in 0) ;; timeout) late=1; return 0 ;; *) return 0 ;; esac
  for e in $keys; do
    k=\${e%%:*}; b=\${e#*:}
    [ -f "$T/r/$b" ] && [ ! -L "$T/r/$b" ] || continue
    o="$ORDER "; ORDER="\${o%%" $k.f "*} r/$b \${o#*" $k.f "}"; ORDER=\${ORDER% }
    COPIED="$COPIED$k "; eval "RF_$k=r/\\$b"
  done
}
copy_files() { (ulimit -c 0; ulimit -f $((MAX / 512 + 1)); exec "$CP" -P -- "$@" "$T/r/"); }
CP=
if find_prog cp; then CP=$FOUND; fi

# prefetch_stats PATH...: one stat for every component of the declared files (the generator lists
# each once, none with a space in its name: prefetchComponents), each line kept as SC_INDEX, its
# index from sc_index (a case the generator writes): check_path then finds a component without
# scanning text. (dash's \${v##*x} and \${v#*x} are quadratic in the length of v: a scan of the
# whole cache a component cost more than the stat.)
prefetch_stats() {
  SC=$(stat -c '%u %g %f %s %d:%i %n' "$@" 2>/dev/null)
  oldifs=$IFS; IFS=$NL; set -f
  for cl in $SC; do
    IFS=' '; set -- $cl; IFS=$NL
    [ $# -eq 6 ] || continue
    sc_index "$6"; [ -z "$SCI" ] || eval "SC_$SCI=\\"\\$1 \\$2 \\$3 \\$4 \\$5\\""
  done
  set +f; IFS=$oldifs
}

# check_path PATH: stat every component (one stat for all); note who controls it in CTL, whether
# a symbolic link is on the way in LINKED, and the last component's "uid gid mode size dev:ino" in LAST.
check_path() {
  q=
  rest=\${1#/}
  set --
  while [ -n "$rest" ]; do
    q="$q/\${rest%%/*}"
    case $rest in */*) rest=\${rest#*/} ;; *) rest= ;; esac
    set -- "$@" "$q"
  done
  count=$#
  # From the cache of prefetch_stats when it holds every component, else one stat now
  # ("uid gid mode size dev:ino" a line in SL).
  SL=; hit=
  for q; do
    sc_index "$q"; hit=
    [ -n "$SCI" ] || break
    eval "cl=\\\${SC_$SCI:-}"
    [ -n "$cl" ] || break
    SL="$SL$cl$NL"; hit=1
  done
  if [ -z "$hit" ] && ! SL=$(stat -c '%u %g %f %s %d:%i' "$@" 2>/dev/null); then outv read denied "$p" "$p cannot be checked (permission denied on a directory on the way)"; return 1; fi
  LINKED=
  i=0
  rest=$SL
  while [ -n "$rest" ]; do
    sl=\${rest%%"$NL"*}
    case $rest in *"$NL"*) rest=\${rest#*"$NL"} ;; *) rest= ;; esac
    u=\${sl%% *}; x=\${sl#* }; g=\${x%% *}; x=\${x#* }; m=\${x%% *}; x=\${x#* }; s=\${x%% *}; di=\${x#* }
    i=$((i + 1))
    mode=$(( 0x$m ))
    if [ $((mode & 0xF000)) -eq $((0xA000)) ]; then
      LINKED=1
      if [ "$u" != 0 ] && [ "$u" != "$ME" ]; then outv read unsafe "$p" "$p goes through a symbolic link owned by uid $u; the collection script follows only root's links"; return 1; fi
    elif [ $i -lt $count ]; then
      if [ "$u" != 0 ] && [ "$u" != "$ME" ]; then CTL="$CTL $u"; fi
      if [ $((mode & 512)) -eq 0 ] && { [ $((mode & 2)) -ne 0 ] || { [ $((mode & 16)) -ne 0 ] && [ "$g" != 0 ]; }; }; then CTL="$CTL any"; fi
    fi
    LAST="$u $g $m $s $di"
  done
  return 0
}

# Every process's argv in one read: grep -z prints each NUL-ended argument of each file as
# "PID/cmdline:ARG" and a NUL. An argument cannot hold a NUL, so each entry starts with its own
# file's name, whatever the process put in its title; a process that exits is simply absent.
process_table() {
  new_file
  TABLE=$D
  cd /proc || return
  grep -H -z '' [0-9]*/cmdline > "$D" 2>/dev/null
  cd /
  end_file argv ok /proc
}

# candidates GREP-ARGS...: the "PID/cmdline" of every process an argument of which matches, in PIDS.
candidates() {
  PIDS=
  if [ -n "\${TABLE:-}" ]; then
    m=$(grep "$@" "$T/argv" 2>/dev/null)
    last=
    while [ -n "$m" ]; do
      e=\${m%%"$NL"*}
      case $m in *"$NL"*) m=\${m#*"$NL"} ;; *) m= ;; esac
      e=\${e%%:*}
      [ "$e" = "$last" ] || PIDS="$PIDS $e"
      last=$e
    done
  else
    PIDS=$(cd /proc && grep -l "$@" [0-9]*/cmdline 2>/dev/null)
  fi
}
`;

/**
 * Mirrors sshd.ts runningSshd: the -f of the first sshd in our namespace that is root's own
 * sshd, then sshd -T. Any user can title a process "sshd -f FILE": root would run `sshd -T -f
 * FILE` (quoting its lines in the error) and judge the user's file. So only a process whose real
 * and effective uid are root and whose /proc/PID/exe is the sshd binary on PATH (its real path,
 * " (deleted)" after an upgrade allowed) counts; its status and exe are recorded for the collector.
 */
const SSHD_ROUND = (index: number) => `
SSHDCFG=
best=
SSHDBIN=
for pid in \${PIDS${index}:-}; do
  pid=\${pid%/cmdline}
  # (another namespace's sshd, a container's, is passed over before its argv costs a tr)
  eval "ns=\\\${NS_$pid:-}"
  [ "$ns" = "$OURNS" ] || continue
  tr '\\000' '\\n' 2>/dev/null < /proc/$pid/cmdline > "$T/a" || continue
  IFS= read -r a0 < "$T/a" || continue
  case $a0 in
  sshd|*/sshd) ;;
  'sshd: '*' [listener]'*)
    # OpenSSH's listener title: its arguments, joined by spaces, one per line again (sshd-argv.ts)
    t=\${a0#sshd: }; t=\${t%% \\[listener\\]*}
    case \${t%% *} in sshd|*/sshd) ;; *) continue ;; esac
    while [ -n "$t" ]; do
      w=\${t%% *}; [ -z "$w" ] || printf '%s\\n' "$w"
      case $t in *' '*) t=\${t#* } ;; *) t= ;; esac
    done > "$T/a"
    ;;
  *) continue ;;
  esac
  # Every sshd's owner and binary are recorded: the collector counts a socket as sshd's only for
  # root's own sshd (sshd.ts runningSshd), not for a process any user names sshd.
  proc_status "$pid"; proc_exe "$pid"
  # the first in pid order, as the collector walks the process table
  [ -z "$best" ] || [ "$pid" -lt "$best" ] || continue
  # -f as sshd's getopt reads it (-f F, -fF, -Df F; the last wins): sshd-argv.ts sshdConfigFlag
  f=; want=; first=1
  while IFS= read -r a; do
    [ -z "$first" ] || { first=; continue; }
    if [ -n "$want" ]; then [ "$want" != f ] || f=$a; want=; continue; fi
    case $a in --) break ;; -?*) ;; *) continue ;; esac
    o=\${a#-}
    while [ -n "$o" ]; do
      c=\${o%"\${o#?}"}; o=\${o#?}
      case $c in [CEbckhpuofg]) if [ -n "$o" ]; then [ "$c" != f ] || f=$o; else want=$c; fi; break ;; esac
    done
  done < "$T/a"
  [ -n "$f" ] || continue
  su=
  while read -r k r e rest; do [ "$k" = Uid: ] && { su="$r $e"; break; }; done < /proc/$pid/status
  [ "$su" = "0 0" ] || continue
  x=$(readlink /proc/$pid/exe 2>/dev/null) || continue
  # (the binary's real path looked up once, and only for such a candidate: no process otherwise)
  if [ -z "$SSHDBIN" ] && find_prog sshd; then SSHDBIN=$(readlink -f "$FOUND" 2>/dev/null) || SSHDBIN=$FOUND; fi
  [ -n "$SSHDBIN" ] && [ "\${x% (deleted)}" = "$SSHDBIN" ] || continue
  SSHDCFG=$f; best=$pid
done
if [ -n "$SSHDCFG" ]; then
  read_file "$SSHDCFG"
  run_cmd 3 sshd -T -f "$SSHDCFG"
else
  run_cmd 3 sshd -T
fi
for f in /etc/ssh/sshd_config.d/*; do [ -f "$f" ] && read_file "$f"; done
`;

const LEGACY = LEGACY_STATE_DIRS.map((l) => `${l.dir}:${l.file}`).join(' ');

/**
 * Mirrors openclaw.ts and openclaw/config-paths.ts: every home a gateway may use (its HOME, its
 * user's home, the script's own), and in each the config candidates, state dirs, .env files,
 * user units and npm prefix; the gateway's OPENCLAW_* paths; then the installed version.
 */
const OPENCLAW_ROUND = (index: number) => `
HOMES=
DIRS=
add_home() { # once each
  [ -n "$1" ] || return 0
  case "
$HOMES
" in *"
$1
"*) return 0 ;; esac
  HOMES="$HOMES
$1"
}
add_home "\${HOME:-/root}"
for pid in \${PIDS${index}:-}; do
  pid=\${pid%/cmdline}
  eval "ns=\\\${NS_$pid:-}"
  [ "$ns" = "$OURNS" ] || continue
  tr '\\000' '\\n' 2>/dev/null < /proc/$pid/environ > "$T/env" || continue
  eh=; eoh=; esd=; ecp=
  while IFS= read -r e; do
    case $e in
      HOME=*) [ -n "$eh" ] || eh=\${e#HOME=} ;;
      OPENCLAW_HOME=*) [ -n "$eoh" ] || eoh=\${e#*=} ;;
      OPENCLAW_STATE_DIR=*) [ -n "$esd" ] || esd=\${e#*=} ;;
      OPENCLAW_CONFIG_PATH=*) [ -n "$ecp" ] || ecp=\${e#*=} ;;
    esac
  done < "$T/env"
  add_home "$eh"
  u=
  while read -r k v rest; do [ "$k" = Uid: ] && u=$v && break; done < /proc/$pid/status
  if [ -n "$u" ]; then
    while IFS=: read -r n x pu pg g ph sh; do [ "$pu" = "$u" ] && { add_home "$ph"; break; }; done < /etc/passwd
  fi
  case $eoh in /*) add_home "$eoh" ;; esac
  case $esd in /*) DIRS="$DIRS
$esd" ;; esac
  case $ecp in /*) stat_path "$ecp"; oc_read "$ecp" ;; esac
  c=$(readlink /proc/$pid/cwd 2>/dev/null) && { path_owners "$c/.env"; read_file "$c/.env"; }
  tr '\\000' '\\n' 2>/dev/null < /proc/$pid/cmdline > "$T/a"
  while IFS= read -r a; do
    case $a in /*[oO][pP][eE][nN][cC][lL][aA][wW]*|/*[cC][lL][aA][wW][dD][bB][oO][tT]*|/*[mM][oO][lL][tT][bB][oO][tT]*|/*[cC][lL][aA][wW][dD][iI][sS]*) version_walk "\${a%/*}" ;; esac
  done < "$T/a"
done
for v in OPENCLAW_HOME OPENCLAW_STATE_DIR OPENCLAW_CONFIG_PATH; do
  eval "d=\\\${$v:-}"
  case $d in /*) case $v in OPENCLAW_HOME) HOMES="$HOMES
$d" ;; OPENCLAW_STATE_DIR) DIRS="$DIRS
$d" ;; *) stat_path "$d"; oc_read "$d" ;; esac ;; esac
done
for d in /etc/systemd/system /lib/systemd/system /usr/lib/systemd/system; do units_in "$d"; done
printf '%s\\n' "$HOMES" > "$T/homes"
while IFS= read -r h; do
  [ -n "$h" ] || continue
  for sd in .openclaw ${LEGACY}; do
    dir=\${sd%%:*}; file=\${sd#*:}
    stat_path "$h/$dir"
    for n in openclaw.json clawdbot.json $file .env; do stat_path "$h/$dir/$n"; oc_read "$h/$dir/$n"; done
  done
  for d in "$h"/.openclaw-*; do [ -d "$d" ] && DIRS="$DIRS
$d"; done
  units_in "$h/.config/systemd/user" owners
  for n in openclaw clawdbot moltbot; do stat_path "$h/.npm-global/lib/node_modules/$n"; done
  for n in openclaw clawdbot moltbot; do [ -e "$h/.npm-global/lib/node_modules/$n" ] && version_walk "$h/.npm-global/lib/node_modules/$n"; done
done < "$T/homes"
printf '%s\\n' "$DIRS" > "$T/dirs"
while IFS= read -r d; do
  [ -n "$d" ] || continue
  stat_path "$d"
  for n in openclaw.json clawdbot.json .env; do stat_path "$d/$n"; oc_read "$d/$n"; done
done < "$T/dirs"
for n in openclaw clawdbot; do
  find_prog $n || continue
  b=$FOUND
  r=$(readlink -f "$b" 2>/dev/null) || r=$b
  outv real ok "$b" "$r"
  version_walk "\${r%/*}"
done
for root in /usr/lib/node_modules /usr/local/lib/node_modules; do
  for n in openclaw clawdbot moltbot; do stat_path "$root/$n"; [ -e "$root/$n" ] && version_walk "$root/$n"; done
done
`;

/** Helpers of the OpenClaw round, defined before it runs. */
const OPENCLAW_HELPERS = `
units_in() { # DIR [owners]: a systemd directory: its listing, then each gateway unit and where it really is
  # (owners: a gateway user's own directory, whose files the collector reads only as that user could)
  [ -n "\${2:-}" ] && path_owners "$1"
  list_dir "$1"
  for f in "$1"/openclaw-gateway*.service "$1"/clawdbot-gateway*.service "$1"/moltbot-gateway*.service; do
    [ -e "$f" ] || continue
    r=$(readlink -f "$f" 2>/dev/null) && outv real ok "$f" "$r"
    [ -n "\${2:-}" ] && path_owners "$f"
    read_file "$f"
  done
}
version_walk() { # package.json in a directory and up to 7 parents (openclaw.ts packageVersionAbove)
  d=$1; i=0
  while [ $i -lt 8 ] && [ -n "$d" ] && [ "$d" != / ]; do
    if [ -f "$d/package.json" ]; then read_file "$d/package.json"; else outv read missing "$d/package.json" ''; fi
    d=\${d%/*}; i=$((i + 1))
  done
}
`;

/** Mirrors compose.ts composeFilesToRead for the default search: the working directory, then its parents. */
const COMPOSE_ROUND = `
d=$START
dp=\${d%/}
read_file "$dp/.env"
while :; do
  dp=\${d%/}
  found=
  for n in ${DEFAULT_NAMES.join(' ')}; do stat_path "$dp/$n"; if [ -z "$found" ] && [ -e "$dp/$n" ]; then found=$n; fi; done
  if [ -n "$found" ]; then
    read_file "$dp/$found"
    read_file "$dp/.env"
    for n in ${OVERRIDE_NAMES.join(' ')}; do stat_path "$dp/$n"; if [ -e "$dp/$n" ]; then read_file "$dp/$n"; break; fi; done
    break
  fi
  [ "$d" = / ] && break
  d=\${d%/*}; [ -n "$d" ] || d=/
done
`;

/** Mirrors docker.ts: the Engine API on its unix socket, through curl when the host has it. */
const DOCKER_ROUND = `
docker_get() { # API path
  if [ -z "$DSOCK" ]; then return; fi
  if [ ! -S "$DSOCK" ]; then outv docker down "$1" ''; return; fi
  if [ -z "$CURL" ]; then outv docker noclient "$1" ''; return; fi
  new_file
  if code=$("$CURL" -s -m 3 --unix-socket "$DSOCK" -o "$D" -w '%{http_code}' "http://docker$1" 2> "$T/de"); then end_file docker "$code" "$1"
  elif grep -q -i denied "$T/de"; then code=; outv docker denied "$1" ''
  else code=; outv docker down "$1" ''; fi
}
CURL=
if find_prog curl; then CURL=$FOUND; fi
DSOCK=/var/run/docker.sock
case \${DOCKER_HOST:-} in '') ;; unix://*) DSOCK=\${DOCKER_HOST#unix://} ;; *) DSOCK= ;; esac
docker_get /version
if [ "\${code:-}" = 200 ]; then
  docker_get '/containers/json?all=1'
  LIST=$D
  docker_get /networks
  for id in $(grep -o '"Id":"[0-9a-f]*"' "$LIST" 2>/dev/null | cut -d'"' -f4); do docker_get "/containers/$id/json"; done
fi
`;
