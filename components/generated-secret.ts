/**
 * GeneratedSecret: a random secret (a password, NEXTAUTH_SECRET) made once and kept as a
 * secret output, changed only when its `rotation` keeper changes. A small first-party
 * dynamic provider, so the program needs no provider plugin for it (the `random` plugin
 * cannot be had everywhere the program runs). The value never leaves state unencrypted:
 * it is listed in `additionalSecretOutputs`.
 */
import { randomInt } from "crypto";
import * as pulumi from "@pulumi/pulumi";

/** The rotation keeper a secret starts with: any other value gives it a new value. */
export const FIRST_ROTATION = "1";
/** Inputs of a generated secret. */
export interface GeneratedSecretInputs {
  /** Characters; letters and digits only, so it can go into a URL unescaped. */
  length: number;
  /** Any value: a new one generates a new secret. */
  rotation: string;
}

/** State of a generated secret. */
export interface GeneratedSecretOutputs extends GeneratedSecretInputs {
  value: string;
}

/** Letters and digits from a cryptographic source, without modulo bias. */
export function randomAlphanumeric(length: number): string {
  // The provider is serialized into state: a built-in module travels as a `require`.
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  let out = "";
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** The dynamic provider: create makes the value, read keeps it, a new keeper or length replaces it. */
export const generatedSecretProvider: pulumi.dynamic.ResourceProvider<GeneratedSecretInputs, GeneratedSecretOutputs> = {
  check(_olds, news) {
    const failures =
      Number.isInteger(news.length) && news.length >= 16 && news.length <= 256
        ? []
        : [{ property: "length", reason: `got ${String(news.length)}, expected a whole number from 16 to 256` }];
    return Promise.resolve({ inputs: news, failures });
  },
  create(inputs) {
    return Promise.resolve({ id: `${inputs.rotation}-${Date.now().toString(36)}`, outs: { ...inputs, value: randomAlphanumeric(inputs.length) } });
  },
  read(id, props) {
    return Promise.resolve({ id, props });
  },
  diff(_id, olds, news) {
    const replaces = (["length", "rotation"] as const).filter((k) => olds[k] !== news[k]);
    return Promise.resolve({ changes: replaces.length > 0, replaces });
  },
};

/** Arguments of `GeneratedSecret`. */
export interface GeneratedSecretArgs {
  /** @default 32 */
  readonly length?: number;
  /** Keeper: **changing it replaces the secret with a new value.** @default "1" */
  readonly rotation?: pulumi.Input<string>;
}

/** A generated secret (`pulumi-nodejs:dynamic/nextjs-infra:GeneratedSecret`); `value` is a secret. */
export class GeneratedSecret extends pulumi.dynamic.Resource {
  declare readonly value: pulumi.Output<string>;

  constructor(name: string, args: GeneratedSecretArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      generatedSecretProvider,
      name,
      { length: args.length ?? 32, rotation: args.rotation ?? FIRST_ROTATION, value: undefined },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["value"] }),
      "nextjs-infra",
      "GeneratedSecret",
    );
  }
}
