// The signed-in person's XP, level and streak: loaded once, then kept current by the
// gamification messages of user:{id} (which carry the new totals).
import { ref } from "./vue.js";
import { api } from "./api.js";

export const progress = ref(null);

export async function loadProgress() {
  progress.value = await api.get("/api/v1/me/progress", { quiet: true }).catch(() => null);
  return progress.value;
}

export function forgetProgress() {
  progress.value = null;
}

// A gamification.xp message: the figures it carries replace ours.
export function applyXp(data) {
  if (!progress.value) return;
  progress.value = {
    ...progress.value,
    xp: data.xp,
    level: data.level,
    xp_into_level: data.xp_into_level,
    xp_for_next: data.xp_for_next,
  };
}
