/** The sections of the OpenClaw network-isolation guide that checks enforce. */
export const GUIDE = {
  bind: 'Bind to localhost only',
  firewall: 'Host firewall (UFW)',
  docker: 'Docker network isolation',
  remote: 'Remote access (Tailscale / SSH)',
  config: 'OpenClaw config',
} as const;

export type GuideSection = (typeof GUIDE)[keyof typeof GUIDE];
