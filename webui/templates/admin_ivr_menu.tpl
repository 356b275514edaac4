% rebase('layout.tpl', title=name or _('New voice menu'), page='admin', scripts=['ivr.js'])
% include('admin_nav.tpl', current='/admin/ivr')
% base = '/admin/ivr/%d' % menu_id if menu_id is not None else '/admin/ivr/new'
% names = [node.name for node in menu.nodes if node.name]
<p class="crumbs"><a href="/admin/ivr">{{_('Voice menus')}}</a></p>
<h1>{{name or _('New voice menu')}}</h1>
% notices = {'saved': _('The menu was saved.'), 'unchanged': _('Nothing changed.')}
% if notice in notices:
<p class="notice" role="status">{{notices[notice]}}</p>
% end
% if offline:
<p class="notice warn" role="status">{{_('The engine is not running: it takes the change when it starts.')}}</p>
% end
% if whole_problems:
<p class="problem" role="alert">{{whole_problems[0]}}</p>
% if len(whole_problems) > 1:
<ul class="problem-list">
  % for text in whole_problems[1:]:
  <li>{{text}}</li>
  % end
</ul>
% end
% end
% def node_select(field, chosen, blank):
<select name="{{field}}" class="node-select" data-blank="{{blank}}">
  <option value="">{{blank}}</option>
  % for other in names:
  <option value="{{other}}"{{!' selected' if other == chosen else ''}}>{{other}}</option>
  % end
  % if chosen and chosen not in names:
  <option value="{{chosen}}" selected>{{chosen}}</option>
  % end
</select>
% end
% def prompt_select(field, chosen, blank):
<select name="{{field}}">
  <option value="">{{blank}}</option>
  % for value, label in prompts:
  <option value="{{value}}"{{!' selected' if value == chosen else ''}}>{{label}}</option>
  % end
  % if chosen and chosen not in prompt_names:
  <option value="{{chosen}}" selected>{{chosen}}</option>
  % end
</select>
% end
<form method="post" action="{{base}}" class="stacked settings-form ivr-form">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <div class="form-grid">
    <label>{{_('Menu name')}} <input name="name" maxlength="{{max_name}}" value="{{name}}" required></label>
    <label>{{_('Answers with')}}
      % node_select('root', menu.root, _('Choose a node'))
    </label>
  </div>
  <h2>{{_('Nodes')}}</h2>
  <p class="hint">{{_("Each node has a name and a kind. A menu node plays its prompt and leads on by the key pressed; after its repeats with no key or a wrong one the call goes to its fallback. Empty a node's name to remove it.")}}</p>
  % rows = list(menu.nodes) + [None] * blank_nodes
  % for index, node in enumerate(rows):
  % kind = node.kind if node else ''
  % mine = node_problems.get(node.name, []) if node else []
  <fieldset class="panel ivr-node{{' has-problem' if mine else ''}}" data-kind="{{kind}}" id="node-{{index}}">
    <legend>{{node.name if node else _('New node')}}</legend>
    <input type="hidden" name="node-{{index}}-seen" value="1">
    % if mine:
    <ul class="field-problem" role="alert">
      % for text in mine:
      <li>{{text}}</li>
      % end
    </ul>
    % end
    <div class="form-grid">
      <label>{{_('Node name')}} <input name="node-{{index}}-name" class="node-name" maxlength="32" value="{{node.name if node else ''}}"></label>
      <label>{{_('Kind')}}
        <select name="node-{{index}}-kind" class="node-kind">
          % if not node:
          <option value=""></option>
          % end
          % for value, label in kinds.items():
          <option value="{{value}}"{{!' selected' if value == kind else ''}}>{{_(label)}}</option>
          % end
        </select>
      </label>
      <label class="kind-field for-menu for-voicemail for-announcement">{{_('Prompt')}}
        % prompt_select('node-%d-prompt' % index, node.prompt if node else '', _('Choose a prompt'))
      </label>
      <label class="kind-field for-menu for-ring_through">{{_('Timeout (seconds)')}} <input type="number" step="any" name="node-{{index}}-timeout" value="{{'%g' % node.timeout_s if node else ''}}"></label>
      <label class="kind-field for-menu">{{_('Repeats')}} <input type="number" name="node-{{index}}-repeats" value="{{node.repeats if node else ''}}"></label>
      <label class="kind-field for-menu">{{_('Wrong key prompt')}}
        % prompt_select('node-%d-invalid' % index, node.invalid_prompt if node else 'ivr_invalid', _('None'))
      </label>
      <label class="kind-field for-menu">{{_('Then (no key, or wrong keys)')}}
        % node_select('node-%d-fallback' % index, node.fallback if node else '', _('Hang up'))
      </label>
      <label class="kind-field for-voicemail">{{_('Longest message (seconds)')}} <input type="number" step="any" name="node-{{index}}-max" value="{{'%g' % node.max_s if node else ''}}"></label>
      <label class="kind-field for-announcement for-ring_through">{{_('Then')}}
        % node_select('node-%d-next' % index, node.next if node else '', _('Hang up'))
      </label>
    </div>
    <div class="kind-field for-menu ivr-keys">
      <span class="hint">{{_('Keys')}}</span>
      % targets = dict(node.keys) if node else {}
      % for key in keys:
      <label class="ivr-key"><span class="key-label">{{key}}</span>
        % node_select('node-%d-key-%s' % (index, key_field(key)), targets.get(key, ''), '—')
      </label>
      % end
    </div>
  </fieldset>
  % end
  <h2>{{_('Variants: other times, holidays')}}</h2>
  <p class="hint">{{_("A holiday (a date) answers with its own node first, then a weekly time window (the box's local time; a window may run past midnight). At other times the menu answers with the node above.")}}</p>
  % vrows = list(menu.variants) + [None] * blank_variants
  % for index, variant in enumerate(vrows):
  % window = variant.windows[0] if variant and variant.windows else None
  <fieldset class="panel ivr-variant">
    <input type="hidden" name="variant-{{index}}-seen" value="1">
    <div class="form-grid">
      <label>{{_('Variant name')}} <input name="variant-{{index}}-name" maxlength="40" value="{{variant.name if variant else ''}}"></label>
      <label>{{_('Answers with')}}
        % node_select('variant-%d-root' % index, variant.root if variant else '', _('Choose a node'))
      </label>
      <label>{{_('From')}} <input type="time" name="variant-{{index}}-start" value="{{window.start if window else ''}}"></label>
      <label>{{_('To')}} <input type="time" name="variant-{{index}}-end" value="{{window.end if window else ''}}"></label>
      <label>{{_('Holiday dates (YYYY-MM-DD, several with spaces)')}} <input name="variant-{{index}}-dates" value="{{' '.join(variant.dates) if variant else ''}}"></label>
    </div>
    <div class="row">
      % for day in weekdays:
      <label><input type="checkbox" name="variant-{{index}}-{{day}}" value="1"{{!' checked' if window and day in window.days else ''}}> {{_(day_names[day])}}</label>
      % end
    </div>
  </fieldset>
  % end
  <div class="row"><button type="submit">{{_('Save')}}</button></div>
  <section class="panel" id="dry-run">
    <h2>{{_('Dry run')}}</h2>
    <p class="hint">{{_('Walk the menu as it is in this form, saved or not: type the keys a caller presses, t for no key before the timeout.')}}</p>
    <div class="form-grid">
      <label>{{_('Keys pressed')}} <input name="keys" maxlength="40" value="{{trial['keys']}}" placeholder="2 9 t #"></label>
      <label>{{_('At (local time)')}} <input type="datetime-local" name="at" value="{{trial['at']}}"></label>
      <label><input type="checkbox" name="picks_up" value="yes"{{!' checked' if trial['picks_up'] else ''}}> {{_('A phone picks up when the office rings')}}</label>
    </div>
    <div class="row"><button type="submit" formaction="{{base}}/dry-run">{{_('Try it')}}</button></div>
    % if walk:
    <p class="dry-run-variant">{{_('Variant answering: {name}', name=walk['variant']) if walk['variant'] else _('No variant applies: the menu answers with its node.')}}</p>
    <ol class="dry-run">
      % for text in walk['lines']:
      <li>{{text}}</li>
      % end
    </ol>
    % end
  </section>
</form>
% if menu_id is not None:
<section class="panel">
  <h2>{{_('Delete this menu')}}</h2>
  <form method="post" action="{{base}}/delete" class="row">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <button type="submit" class="danger">{{_('Delete')}}</button>
  </form>
</section>
% end
