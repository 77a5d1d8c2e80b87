// Bundled by the compatibility test with esbuild, exactly as an app would bundle the SDK.
import { PrldSessionClient } from "@prelude.so/js-sdk/session";

window.PrldSessionClient = PrldSessionClient;
