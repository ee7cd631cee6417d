/**
 * The delivery plan: which environments the workflows deploy and watch, derived from the
 * committed stack files and their profiles, so adding an environment is adding a file.
 * Dev-profile stacks build main; one of them (`dev`, else the first) is the source whose
 * digest prod-profile stacks promote, rehearsals (staging) first and production last; every
 * long-lived stack is checked for drift from its read-only environment.
 */
import { readProjectFiles } from "../../stacks/files";
import { stackFileViews, StackFileView } from "../../stacks/views";
import { readEnvironment } from "../../stacks/names";
import { DEV_STACK } from "../../stacks/names";

/** One stack and the GitHub environments its jobs run in. */
export interface PlannedStack {
  stack: string;
  environment: string;
  /** Its read-only twin (plans, drift). */
  read: string;
}

/** What deploy.yml and drift.yml run, in order. */
export interface DeliveryPlan {
  /** The dev-profile stack whose digest is promoted. */
  source: PlannedStack;
  /** Other dev-profile stacks: each builds main itself. */
  builds: PlannedStack[];
  /** Prod-profile stacks, production last: each promotes the source's digest after a reviewer approves. */
  promotions: (PlannedStack & { production: boolean })[];
  /** Every long-lived stack. */
  drift: PlannedStack[];
}

const planned = (v: StackFileView): PlannedStack => ({
  stack: v.stack,
  environment: v.names!.githubEnvironment!,
  read: readEnvironment(v.names!.githubEnvironment!),
});

/** The plan of the stacks committed in `root`. Throws, naming what is missing, when there is no source or no production. */
export function deliveryPlan(root: string, project = "nextjs-infra"): DeliveryPlan {
  const { siblings } = readProjectFiles(root, project, "");
  const longLived = stackFileViews(project, siblings)
    .filter((v) => v.names?.githubEnvironment !== undefined)
    .sort((a, b) => a.stack.localeCompare(b.stack));
  const devs = longLived.filter((v) => v.profile === "dev");
  const source = devs.find((v) => v.stack === DEV_STACK) ?? devs[0];
  if (!source) throw new Error("no dev-profile stack file (Pulumi.dev.yaml): nothing builds the digest production promotes");
  const prods = longLived.filter((v) => v.profile === "prod");
  const production = prods.find((v) => v.names?.production);
  if (!production) throw new Error("no production stack file (Pulumi.prod.yaml, or the stack `productionStack` names)");
  return {
    source: planned(source),
    builds: devs.filter((v) => v !== source).map(planned),
    promotions: [...prods.filter((v) => v !== production).map((v) => ({ ...planned(v), production: false })), { ...planned(production), production: true }],
    drift: longLived.map(planned),
  };
}

/** The plan as the workflows read it (`needs.environments.outputs.KEY`): `rollback` is what a rollback promotes, production alone. */
export function planOutputs(plan: DeliveryPlan): Record<string, unknown> {
  return { ...plan, rollback: plan.promotions.filter((p) => p.production) };
}
