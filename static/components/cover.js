// A title's cover (its own image or the generated one): 2:3 posters, 3:4 box art. An image
// that does not load (a provider offline, a link gone) gives way to the generated cover.
import { h, ref, watch } from "../lib/vue.js";

export const Cover = {
  name: "Cover",
  props: { media: { type: Object, required: true }, size: { type: String, default: "grid" } },
  setup(props) {
    const failed = ref(false);
    watch(() => props.media.id, () => { failed.value = false; });
    const generated = () => `/api/v1/media/${props.media.id}/cover.svg`;
    return () =>
      h("img", {
        class: ["cover", `cover-${props.media.kind}`, `cover-${props.size}`],
        src: (!failed.value && props.media.cover_url) || generated(),
        alt: props.media.title,
        loading: "lazy",
        decoding: "async",
        onError: () => { failed.value = true; },
      });
  },
};
