export interface ConfigRecord<T> {
  value: T;
  createdAt: number;
  updatedAt: number;
}

/** One JSON document per app and kind (password login, migration, …). */
export interface AppConfigRepository {
  get<T>(appId: string, kind: string): Promise<ConfigRecord<T> | null>;
  /** False when a document of this kind already exists. */
  create<T>(appId: string, kind: string, value: T, now: number): Promise<boolean>;
  /** False when there is no document to replace. */
  replace<T>(appId: string, kind: string, value: T, now: number): Promise<boolean>;
  delete(appId: string, kind: string): Promise<boolean>;
}
