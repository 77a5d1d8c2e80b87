export interface DomainRecord {
  id: string;
  appId: string;
  host: string;
  status: "pending" | "verified";
  cnameTarget: string;
  createdAt: number;
  updatedAt: number;
  verifiedAt: number | null;
}

export interface DomainRepository {
  /** Writes nothing when any app already has the host. */
  create(domain: DomainRecord): Promise<"created" | "host_taken">;
  list(appId: string): Promise<DomainRecord[]>;
  get(appId: string, id: string): Promise<DomainRecord | null>;
  findByHost(host: string): Promise<DomainRecord | null>;
  markVerified(appId: string, id: string, now: number): Promise<void>;
  delete(appId: string, id: string): Promise<boolean>;
}
