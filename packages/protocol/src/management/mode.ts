import Type from "typebox";

export const appModes = ["dev", "prod"] as const;
export type AppMode = (typeof appModes)[number];
export const AppMode = Type.Union([Type.Literal("dev"), Type.Literal("prod")]);

export const ModeBody = Type.Object({ mode: AppMode }, { additionalProperties: false });
export type ModeBody = Type.Static<typeof ModeBody>;
