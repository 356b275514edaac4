<nav class="subnav" aria-label="{{_('Settings')}}">
  % for href, label in (('/admin', _('Overview')), ('/admin/users', _('Users')), ('/admin/groups', _('Groups')), ('/admin/lines', _('Lines')), ('/admin/device', _('Device')), ('/admin/storage', _('Storage')), ('/admin/backup', _('Backup')), ('/admin/encryption', _('Encryption')), ('/admin/prompts', _('Prompts')), ('/admin/ivr', _('Voice menus')), ('/admin/email', _('E-mail')), ('/admin/messages', _('Messages'))):
  <a href="{{href}}"{{!' aria-current="page"' if href == current else ''}}>{{label}}</a>
  % end
</nav>
