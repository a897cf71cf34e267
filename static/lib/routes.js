// Every page of the app: its path, its module (loaded on first visit), who may see it.
// A new page adds one line here and its path to APP_PAGES in metacult/webapp.py.
// auth: true → signed-out visitors go to the sign-in page (and come back after);
// role: "admin" → others signed in see the "forbidden" page.
export const ROUTES = [
  { name: "home", path: "/", load: () => import("../pages/home.js") },
  { name: "browse", path: "/browse", load: () => import("../pages/browse.js") },
  { name: "signin", path: "/signin", load: () => import("../pages/signin.js") },
  { name: "signup", path: "/signup", load: () => import("../pages/signup.js") },
  { name: "onboarding", path: "/onboarding", auth: true, load: () => import("../pages/onboarding.js") },
  { name: "title", path: "/titles/:slug", load: () => import("../pages/title.js") },
  { name: "duel", path: "/duel", auth: true, load: () => import("../pages/duel.js") },
  { name: "leaderboards", path: "/leaderboards", load: () => import("../pages/leaderboards.js") },
  { name: "leaderboard", path: "/leaderboards/:scope", load: () => import("../pages/leaderboards.js") },
  { name: "profile", path: "/users/:id", load: () => import("../pages/profile.js") },
  { name: "year", path: "/users/:id/year/:year", load: () => import("../pages/year.js") },
  { name: "library", path: "/users/:id/library", load: () => import("../pages/library.js") },
  { name: "diary", path: "/users/:id/diary", load: () => import("../pages/diary.js") },
  { name: "people", path: "/people", load: () => import("../pages/people.js") },
  { name: "inbox", path: "/inbox", auth: true, load: () => import("../pages/inbox.js") },
  { name: "list", path: "/lists/:id", load: () => import("../pages/list.js") },
  { name: "watchlists", path: "/watchlists", auth: true, load: () => import("../pages/watchlists.js") },
  { name: "trending", path: "/trending", load: () => import("../pages/trending.js") },
  { name: "import", path: "/import", auth: true, load: () => import("../pages/import.js") },
  { name: "settings", path: "/settings", auth: true, load: () => import("../pages/settings.js") },
  { name: "admin", path: "/admin", role: "admin", load: () => import("../pages/admin.js") },
  { name: "admin_section", path: "/admin/:section", role: "admin", load: () => import("../pages/admin.js") },
  { name: "badges", path: "/badges", load: () => import("../pages/badges.js") },
  { name: "my_league", path: "/league", auth: true, load: () => import("../pages/league.js") },
  { name: "league", path: "/leagues/:id", load: () => import("../pages/league.js") },
  { name: "calendar", path: "/calendar", auth: true, load: () => import("../pages/calendar.js") },
  { name: "forbidden", path: "/forbidden", load: () => import("../pages/forbidden.js") },
  { name: "not_found", path: "/404", load: () => import("../pages/not-found.js") },
];
