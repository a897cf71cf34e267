// A labelled form field with the API's error for it shown beside it.
import { h } from "../lib/vue.js";

let counter = 0;

export const Field = {
  name: "Field",
  props: {
    label: { type: String, required: true },
    modelValue: { type: [String, Number], default: "" },
    type: { type: String, default: "text" },
    error: { type: String, default: "" },
    autocomplete: { type: String, default: undefined },
    multiline: Boolean,
    required: Boolean,
    name: { type: String, default: undefined },
  },
  emits: ["update:modelValue"],
  setup(props, { emit }) {
    const id = `field-${++counter}`;
    return () =>
      h("div", { class: ["field", props.error ? "has-error" : ""] }, [
        h("label", { for: id }, props.label),
        h(props.multiline ? "textarea" : "input", {
          id,
          name: props.name,
          type: props.multiline ? undefined : props.type,
          value: props.modelValue,
          autocomplete: props.autocomplete,
          required: props.required,
          "aria-invalid": props.error ? "true" : undefined,
          "aria-describedby": props.error ? `${id}-error` : undefined,
          onInput: (event) => emit("update:modelValue", event.target.value),
        }),
        props.error ? h("p", { id: `${id}-error`, class: "field-error" }, props.error) : null,
      ]);
  },
};
