<nav class="pager" aria-label="{{_('Pages')}}">
  % if results.has_previous:
  <a class="button secondary" rel="prev" href="?{{form.query(page=form.page - 1)}}">← {{_('Newer') if form.sort == 'start' and form.descending else _('Previous')}}</a>
  % end
  <span class="muted">{{_('Page {n}', n=form.page)}}</span>
  % if results.has_next:
  <a class="button secondary" rel="next" href="?{{form.query(page=form.page + 1)}}">{{_('Older') if form.sort == 'start' and form.descending else _('Next')}} →</a>
  % end
</nav>
