/**
 * The catalogue the Plugins page shows: the checkout's, then the user's (see
 * lib/plugins/catalogue.ts).
 * @module
 */
import {
  BUNDLED_CATALOGUE,
  type Catalogue,
  loadCatalogue,
  userCatalogue,
} from "../plugins/catalogue.ts";
import type { AppServices } from "./services.ts";

/** The catalogue of this server's checkout and data dir. */
export function loadAppCatalogue(app: AppServices): Promise<Catalogue> {
  return loadCatalogue([BUNDLED_CATALOGUE, userCatalogue(app.dataDir)]);
}
