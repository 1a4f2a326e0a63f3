import { describe, expect, it } from 'vitest';
import { nginxOptions } from '../../../src/harden/nginx-options.js';

describe('nginxOptions: the nginx master options root’s commands may carry (one allow list for planning and undo)', () => {
  it('accepts -p, -e, -c and placing-only -g directives, and names every path nginx would open as root', () => {
    expect(
      nginxOptions([
        '-p',
        '/srv/n/',
        '-e',
        '/srv/n/error.log',
        '-c',
        '/srv/n/nginx.conf',
        '-g',
        'daemon off; master_process on; pid /run/n.pid; error_log /var/log/n.log warn;',
      ]),
    ).toEqual({
      paths: [
        { option: '-p', path: '/srv/n/' },
        { option: '-e', path: '/srv/n/error.log' },
        { option: '-c', path: '/srv/n/nginx.conf' },
        { option: '-g pid', path: '/run/n.pid' },
        { option: '-g error_log', path: '/var/log/n.log' },
      ],
    });
    expect(nginxOptions([])).toEqual({ paths: [] });
    expect(nginxOptions(['-g', 'daemon on; master_process on;'])).toEqual({ paths: [] });
    // Arch's unit logs to stderr: no file to open.
    expect(nginxOptions(['-e', 'stderr', '-g', 'pid /run/nginx.pid; error_log stderr;'])).toEqual({ paths: [{ option: '-g pid', path: '/run/nginx.pid' }] });
  });

  it('refuses every directive outside the list, and paths that are not plain and absolute', () => {
    for (const args of [
      ['-g', 'load_module /tmp/x.so;'],
      ['-g', 'pid /run/x.pid; include /home/u/x;'],
      ['-g', 'user root;'],
      // Not caught by a list of bad words: an environment for the workers, a working directory, a lock file.
      ['-g', 'env LD_PRELOAD=/tmp/x.so;'],
      ['-g', 'working_directory /home/u;'],
      ['-g', 'lock_file /home/u/lock;'],
      ['-g', 'daemon off'],
      ['-g', 'pid relative.pid;'],
      ['-g', 'error_log syslog:server=10.0.0.1;'],
      ['-e', 'stdout'],
      ['-c', 'conf/nginx.conf'],
      ['-c', '/etc/nginx/$(id).conf'],
      ['-c'],
      ['-q'],
      ['-s', 'stop'],
    ])
      expect(nginxOptions(args), args.join(' ')).toHaveProperty('error');
  });
});
