/** Every policy of the pack, importable without starting the pack (tests use this). */
import { Policies } from "@pulumi/policy";
import { dataPolicies } from "./data";
import { networkPolicies } from "./network";
import { stackPolicies } from "./stack";
import { workloadPolicies } from "./workloads";

export { podSpecOf, SECRET_ENV_NAME } from "./workloads";
export { hostMatches } from "./network";
export { PROFILE_LABEL } from "./stack";
export { SECRET_FIELDS } from "./data";

export const allPolicies: Policies = [...workloadPolicies, ...networkPolicies, ...dataPolicies, ...stackPolicies];
