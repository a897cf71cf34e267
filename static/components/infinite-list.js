// Infinite scroll on a cursor: loads the next page when the sentinel comes into view
// (and offers a "more" button, the keyboard's way and the fallback).
import { h, ref, onMounted, onBeforeUnmount } from "../lib/vue.js";
import { t } from "../lib/i18n.js";

export const LoadMore = {
  name: "LoadMore",
  props: { hasMore: Boolean, loading: Boolean },
  emits: ["more"],
  setup(props, { emit }) {
    const sentinel = ref(null);
    let observer = null;
    onMounted(() => {
      observer = new IntersectionObserver((entries) => {
        if (entries.some((entry) => entry.isIntersecting) && props.hasMore && !props.loading) emit("more");
      }, { rootMargin: "600px" });
      observer.observe(sentinel.value);
    });
    onBeforeUnmount(() => observer?.disconnect());
    return () =>
      h("div", { ref: sentinel, class: "load-more" },
        props.hasMore
          ? h("button", { type: "button", class: "button secondary", disabled: props.loading, onClick: () => emit("more") }, props.loading ? t("common.loading") : t("common.more"))
          : null);
  },
};
