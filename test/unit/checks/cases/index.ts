import type { CheckCases } from '../../../../src/checks/types.js';
import { configUnreadable } from '../../../../src/checks/rules/config-unreadable.js';
import { cases as configUnreadableCases } from './config-unreadable.js';
import { dockerNetworkDefaultBridge } from '../../../../src/checks/rules/docker-network-default-bridge.js';
import { cases as dockerNetworkDefaultBridgeCases } from './docker-network-default-bridge.js';
import { dockerNetworkHost } from '../../../../src/checks/rules/docker-network-host.js';
import { cases as dockerNetworkHostCases } from './docker-network-host.js';
import { dockerPublishPublic } from '../../../../src/checks/rules/docker-publish-public.js';
import { cases as dockerPublishPublicCases } from './docker-publish-public.js';
import { dockerSocketMounted } from '../../../../src/checks/rules/docker-socket-mounted.js';
import { cases as dockerSocketMountedCases } from './docker-socket-mounted.js';
import { dockerUfwBypass } from '../../../../src/checks/rules/docker-ufw-bypass.js';
import { cases as dockerUfwBypassCases } from './docker-ufw-bypass.js';
import { doorNoAuth } from '../../../../src/checks/rules/door-no-auth.js';
import { cases as doorNoAuthCases } from './door-no-auth.js';
import { exposureInternet } from '../../../../src/checks/rules/exposure-internet.js';
import { cases as exposureInternetCases } from './exposure-internet.js';
import { exposureLan } from '../../../../src/checks/rules/exposure-lan.js';
import { cases as exposureLanCases } from './exposure-lan.js';
import { firewallGatewayPortAllowed } from '../../../../src/checks/rules/firewall-gateway-port-allowed.js';
import { cases as firewallGatewayPortAllowedCases } from './firewall-gateway-port-allowed.js';
import { firewallNone } from '../../../../src/checks/rules/firewall-none.js';
import { cases as firewallNoneCases } from './firewall-none.js';
import { firewallUfwSshNotAllowed } from '../../../../src/checks/rules/firewall-ufw-ssh-not-allowed.js';
import { cases as firewallUfwSshNotAllowedCases } from './firewall-ufw-ssh-not-allowed.js';
import { gatewayAdvisories } from '../../../../src/checks/rules/gateway-advisories.js';
import { cases as gatewayAdvisoriesCases } from './gateway-advisories.js';
import { gatewayAuthNone } from '../../../../src/checks/rules/gateway-auth-none.js';
import { cases as gatewayAuthNoneCases } from './gateway-auth-none.js';
import { gatewayAuthWeakToken } from '../../../../src/checks/rules/gateway-auth-weak-token.js';
import { cases as gatewayAuthWeakTokenCases } from './gateway-auth-weak-token.js';
import { gatewayBindDrift } from '../../../../src/checks/rules/gateway-bind-drift.js';
import { cases as gatewayBindDriftCases } from './gateway-bind-drift.js';
import { gatewayBindPublic } from '../../../../src/checks/rules/gateway-bind-public.js';
import { cases as gatewayBindPublicCases } from './gateway-bind-public.js';
import { gatewayDangerousFlags } from '../../../../src/checks/rules/gateway-dangerous-flags.js';
import { cases as gatewayDangerousFlagsCases } from './gateway-dangerous-flags.js';
import { gatewayOriginsWildcard } from '../../../../src/checks/rules/gateway-origins-wildcard.js';
import { cases as gatewayOriginsWildcardCases } from './gateway-origins-wildcard.js';
import { probeAuthNone } from '../../../../src/checks/rules/probe-auth-none.js';
import { cases as probeAuthNoneCases } from './probe-auth-none.js';
import { probeAuthOpen } from '../../../../src/checks/rules/probe-auth-open.js';
import { cases as probeAuthOpenCases } from './probe-auth-open.js';
import { probeMismatch } from '../../../../src/checks/rules/probe-mismatch.js';
import { cases as probeMismatchCases } from './probe-mismatch.js';
import { proxyAllowLoopback } from '../../../../src/checks/rules/proxy-allow-loopback.js';
import { cases as proxyAllowLoopbackCases } from './proxy-allow-loopback.js';
import { proxyTrustedProxies } from '../../../../src/checks/rules/proxy-trusted-proxies.js';
import { cases as proxyTrustedProxiesCases } from './proxy-trusted-proxies.js';
import { proxyTrustedProxyDirect } from '../../../../src/checks/rules/proxy-trusted-proxy-direct.js';
import { cases as proxyTrustedProxyDirectCases } from './proxy-trusted-proxy-direct.js';
import { proxyXffAppend } from '../../../../src/checks/rules/proxy-xff-append.js';
import { cases as proxyXffAppendCases } from './proxy-xff-append.js';
import { sshPasswordAuth } from '../../../../src/checks/rules/ssh-password-auth.js';
import { cases as sshPasswordAuthCases } from './ssh-password-auth.js';
import { tailscaleFunnel } from '../../../../src/checks/rules/tailscale-funnel.js';
import { cases as tailscaleFunnelCases } from './tailscale-funnel.js';

/** Every check's case table, by check id: test data, kept under test/, never in the product. */
export const CASES: Record<string, CheckCases> = {
  [configUnreadable.meta.id]: configUnreadableCases,
  [dockerNetworkDefaultBridge.meta.id]: dockerNetworkDefaultBridgeCases,
  [dockerNetworkHost.meta.id]: dockerNetworkHostCases,
  [dockerPublishPublic.meta.id]: dockerPublishPublicCases,
  [dockerSocketMounted.meta.id]: dockerSocketMountedCases,
  [dockerUfwBypass.meta.id]: dockerUfwBypassCases,
  [doorNoAuth.meta.id]: doorNoAuthCases,
  [exposureInternet.meta.id]: exposureInternetCases,
  [exposureLan.meta.id]: exposureLanCases,
  [firewallGatewayPortAllowed.meta.id]: firewallGatewayPortAllowedCases,
  [firewallNone.meta.id]: firewallNoneCases,
  [firewallUfwSshNotAllowed.meta.id]: firewallUfwSshNotAllowedCases,
  [gatewayAdvisories.meta.id]: gatewayAdvisoriesCases,
  [gatewayAuthNone.meta.id]: gatewayAuthNoneCases,
  [gatewayAuthWeakToken.meta.id]: gatewayAuthWeakTokenCases,
  [gatewayBindDrift.meta.id]: gatewayBindDriftCases,
  [gatewayBindPublic.meta.id]: gatewayBindPublicCases,
  [gatewayDangerousFlags.meta.id]: gatewayDangerousFlagsCases,
  [gatewayOriginsWildcard.meta.id]: gatewayOriginsWildcardCases,
  [probeAuthNone.meta.id]: probeAuthNoneCases,
  [probeAuthOpen.meta.id]: probeAuthOpenCases,
  [probeMismatch.meta.id]: probeMismatchCases,
  [proxyAllowLoopback.meta.id]: proxyAllowLoopbackCases,
  [proxyTrustedProxies.meta.id]: proxyTrustedProxiesCases,
  [proxyTrustedProxyDirect.meta.id]: proxyTrustedProxyDirectCases,
  [proxyXffAppend.meta.id]: proxyXffAppendCases,
  [sshPasswordAuth.meta.id]: sshPasswordAuthCases,
  [tailscaleFunnel.meta.id]: tailscaleFunnelCases,
};
