"""The box's hardware as an installer meets it: profiles of the supported line
interfaces (``profiles``) and the installer's checks (``hwtest``)."""
