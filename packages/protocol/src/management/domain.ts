import Type from "typebox";

export const Domain = Type.Object({
  id: Type.String({ examples: ["dom_01jqebhswje1ka1z7ahr9rfsgt"] }),
  domain: Type.String({ examples: ["session.example.com"] }),
  status: Type.Union([Type.Literal("pending"), Type.Literal("active")], {
    description: "`active` once the CNAME was verified.",
  }),
  cname_record: Type.String({ description: "Point a CNAME record of `domain` at this host, then verify." }),
  usable: Type.Boolean({ description: "Serves the app now: when active, or from creation in dev mode." }),
  created_at: Type.String({ format: "date-time" }),
  updated_at: Type.String({ format: "date-time" }),
});

export const CreateDomainRequest = Type.Object(
  { domain: Type.String({ minLength: 1, maxLength: 255 }) },
  { additionalProperties: false },
);
export const DomainResponse = Type.Object({ domain: Domain });
export const DomainListResponse = Type.Object({ domains: Type.Array(Domain) });
export const DomainParams = Type.Object({
  appID: Type.String({ maxLength: 64 }),
  domainID: Type.String({ maxLength: 64 }),
});
