// A title in a grid: cover first, then title, year and kind.
import { h } from "../lib/vue.js";
import { RouterLink } from "../lib/router.js";
import { Cover } from "./cover.js";
import { KindIcon } from "./kind-icon.js";

export const MediaCard = {
  name: "MediaCard",
  props: { media: { type: Object, required: true } },
  setup(props) {
    return () =>
      h("li", { class: "card" }, [
        h(RouterLink, { to: `/titles/${props.media.slug}`, class: "card-link" }, () => [
          h(Cover, { media: props.media }),
          h("span", { class: "card-title" }, props.media.title),
        ]),
        h("span", { class: "card-meta" }, [h(KindIcon, { kind: props.media.kind }), " ", props.media.year ?? ""]),
      ]);
  },
};

export const MediaGrid = {
  name: "MediaGrid",
  props: { items: { type: Array, required: true }, label: { type: String, required: true } },
  setup(props) {
    return () => h("ul", { class: "grid", "aria-label": props.label }, props.items.map((media) => h(MediaCard, { media, key: media.id })));
  },
};
