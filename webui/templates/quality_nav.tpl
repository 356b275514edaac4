% from webui.pages.quality import reads_others
<nav class="subnav" aria-label="{{_('Quality')}}">
  % links = []
  % if ctx.can('quality'):
  % links += [('/quality', _('Tasks')), ('/quality/templates', _('Scoring templates'))]
  % end
  % if reads_others(ctx):
  % links.append(('/quality/results', _('Results')))
  % end
  % links.append(('/quality/mine', _('My inspections')))
  % for href, label in links:
  <a href="{{href}}"{{!' aria-current="page"' if href == current else ''}}>{{label}}</a>
  % end
</nav>
