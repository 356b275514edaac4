% if prompts:
<div class="table-wrap">
<table class="prompts stack">
  <thead><tr><th scope="col">{{_('Prompt name')}}</th><th scope="col">{{_('Made from')}}</th><th scope="col">{{_('Text')}}</th><th scope="col">{{_('Language')}}</th><th scope="col" class="numeric">{{_('Length')}}</th><th scope="col">{{_('Preview')}}</th></tr></thead>
  <tbody>
  % for prompt in prompts:
    <tr>
      <td class="p-name"><a href="/admin/prompts/{{prompt.id}}">{{prompt.name}}</a>
      % if prompt.built_in:
        <span class="badge" title="{{prompt.key}}">{{_('built in')}}</span>
      % end
      </td>
      <td class="p-source">{{_(source_names.get(prompt.source, prompt.source))}}{{(' · ' + prompt.filename) if prompt.filename else ''}}</td>
      <td class="p-text">{{prompt.text}}</td>
      <td class="p-language">{{_({'zh': 'Chinese', 'en': 'English'}.get(prompt.language or '', '')) if prompt.language else ''}}</td>
      <td class="p-length numeric">{{_('{seconds} s', seconds='{:.1f}'.format(prompt.duration_s))}}</td>
      <td class="p-preview"><audio class="player" controls preload="none" src="/admin/prompts/{{prompt.id}}/audio">{{_('This browser cannot play audio.')}}</audio></td>
    </tr>
  % end
  </tbody>
</table>
</div>
% else:
<p>{{_('No prompts yet.')}}</p>
% end
