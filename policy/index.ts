/**
 * The nextjs-infra policy pack: `pulumi preview --policy-pack policy` fails a change that
 * breaks one of the design's invariants before it reaches a cluster. Enforcement levels
 * and allow-lists are set per policy in a config file (`--policy-pack-config`).
 */
import { PolicyPack } from "@pulumi/policy";
import { allPolicies } from "./policies";

new PolicyPack("nextjs-infra", { policies: allPolicies, enforcementLevel: "mandatory" });
