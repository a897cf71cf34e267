// A title's cover (its own image or the generated one): 2:3 posters, 3:4 box art.
import { h } from "../lib/vue.js";

export const Cover = {
  name: "Cover",
  props: { media: { type: Object, required: true }, size: { type: String, default: "grid" } },
  setup(props) {
    return () =>
      h("img", {
        class: ["cover", `cover-${props.media.kind}`, `cover-${props.size}`],
        src: props.media.cover_url || `/api/v1/media/${props.media.id}/cover.svg`,
        alt: props.media.title,
        loading: "lazy",
        decoding: "async",
      });
  },
};
