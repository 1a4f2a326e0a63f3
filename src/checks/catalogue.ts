import type { Check } from './types.js';
import { gatewayBindPublic } from './rules/gateway-bind-public.js';
import { gatewayBindDrift } from './rules/gateway-bind-drift.js';
import { gatewayAuthNone } from './rules/gateway-auth-none.js';
import { gatewayAuthWeakToken } from './rules/gateway-auth-weak-token.js';
import { gatewayDangerousFlags } from './rules/gateway-dangerous-flags.js';
import { firewallNone } from './rules/firewall-none.js';
import { firewallUfwSshNotAllowed } from './rules/firewall-ufw-ssh-not-allowed.js';
import { firewallGatewayPortAllowed } from './rules/firewall-gateway-port-allowed.js';
import { dockerPublishPublic } from './rules/docker-publish-public.js';
import { dockerNetworkDefaultBridge } from './rules/docker-network-default-bridge.js';
import { dockerNetworkHost } from './rules/docker-network-host.js';
import { dockerSocketMounted } from './rules/docker-socket-mounted.js';
import { tailscaleFunnel } from './rules/tailscale-funnel.js';
import { sshPasswordAuth } from './rules/ssh-password-auth.js';
import { configUnreadable } from './rules/config-unreadable.js';
import { exposureInternet } from './rules/exposure-internet.js';
import { exposureLan } from './rules/exposure-lan.js';
import { dockerUfwBypass } from './rules/docker-ufw-bypass.js';
import { probeAuthNone } from './rules/probe-auth-none.js';
import { probeAuthOpen } from './rules/probe-auth-open.js';
import { probeMismatch } from './rules/probe-mismatch.js';
import { doorNoAuth } from './rules/door-no-auth.js';
import { proxyTrustedProxyDirect } from './rules/proxy-trusted-proxy-direct.js';
import { proxyTrustedProxies } from './rules/proxy-trusted-proxies.js';
import { proxyAllowLoopback } from './rules/proxy-allow-loopback.js';
import { proxyXffAppend } from './rules/proxy-xff-append.js';
import { gatewayOriginsWildcard } from './rules/gateway-origins-wildcard.js';
import { gatewayAdvisories } from './rules/gateway-advisories.js';

/** Every check, in the order the guide's checklist reads. Ids are stable: see docs/checks.md. */
export const CHECKS: readonly Check[] = [
  gatewayBindPublic,
  gatewayBindDrift,
  gatewayAuthNone,
  gatewayAuthWeakToken,
  gatewayDangerousFlags,
  firewallNone,
  firewallUfwSshNotAllowed,
  firewallGatewayPortAllowed,
  exposureInternet,
  exposureLan,
  doorNoAuth,
  proxyTrustedProxyDirect,
  proxyTrustedProxies,
  proxyAllowLoopback,
  proxyXffAppend,
  gatewayOriginsWildcard,
  gatewayAdvisories,
  dockerPublishPublic,
  dockerUfwBypass,
  dockerNetworkDefaultBridge,
  dockerNetworkHost,
  dockerSocketMounted,
  tailscaleFunnel,
  sshPasswordAuth,
  configUnreadable,
  probeAuthNone,
  probeAuthOpen,
  probeMismatch,
];
