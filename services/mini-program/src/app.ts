import { getSession } from "./api/session";

export interface AppGlobalData {
  /** Set once at launch: whether a stored session was found. */
  signedIn: boolean;
}

App<{ globalData: AppGlobalData }>({
  globalData: { signedIn: false },
  onLaunch() {
    this.globalData.signedIn = getSession() !== null;
  },
});
