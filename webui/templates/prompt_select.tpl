% # A select of the prompt library for a message: "" is the box's own (default) message.
% chosen = typed['prompt']
<select name="prompt">
  <option value="">{{_("The box's own message")}}</option>
  % for prompt in ctx.deps.prompts.prompts():
  <option value="{{prompt.id}}"{{!' selected' if chosen in (str(prompt.id), prompt.key) else ''}}>{{prompt.name}}</option>
  % end
</select>
