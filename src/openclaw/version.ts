/**
 * OpenClaw uses calendar versions: 2026.M.D, 2026.M.D-N for re-releases and
 * -beta.N for betas. Compare numerically, a beta before its release.
 */
export function compareCalver(a: string, b: string): number {
  const parse = (v: string): { nums: number[]; beta: number } => {
    const [main, suffix] = v.replace(/^v/, '').split('-', 2) as [string, string | undefined];
    const nums = main.split('.').map((n) => Number.parseInt(n, 10) || 0);
    if (suffix && /^beta/.test(suffix)) return { nums, beta: -1 };
    nums.push(suffix ? Number.parseInt(suffix, 10) || 0 : 0);
    return { nums, beta: 0 };
  };
  const pa = parse(a);
  const pb = parse(b);
  for (let i = 0; i < Math.max(pa.nums.length, pb.nums.length); i++) {
    const d = (pa.nums[i] ?? 0) - (pb.nums[i] ?? 0);
    if (d !== 0) return d;
  }
  return pa.beta - pb.beta;
}
