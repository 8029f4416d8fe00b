"""The rule texts for what lives outside the workspace and outside the file system: cloud
resources, infrastructure, containers and volumes, remote repositories and packages, the host's
power and its processes, and a repository's history (docs/patterns.md, "Resources outside the
file system").

Each is matched at the start of a command as the shell analysis reads it (``_shell_readings``: a
chain's, a pipeline's, ``sh -c``'s, ``xargs``'s, ``ssh host``'s, a written script's commands; the
program by its base name, quotes removed, ``env``/``nohup``/… wrappers taken off), the program's name
and one space first (the rule's factors for the option spellings, ``_option_rules``, are the
programs).  They read words, not each CLI's grammar: a verb given as a value (``aws logs
filter-log-events --filter-pattern delete``) is met too.  A help request (``help``, ``--help``,
``-help``, anywhere among the command's words) is a read.  No lookaround: RE2 runs them in linear time.
"""

from __future__ import annotations

__all__ = [
    "HISTORY_LOSS",
    "HISTORY_REWRITE",
    "POWER_KILL",
    "REMOTE_CHANGE",
    "REMOTE_DESTROY",
    "not_words",
    "other_words",
    "then",
]


def other_words(prefixes: tuple[str, ...] = (), words: tuple[str, ...] = (), stop: str = r"\s;&|") -> str:
    """A word (no whitespace, ``;``, ``&``, ``|``, or what ``stop`` names; not opening with a quote)
    that starts with none of ``prefixes`` and is none of ``words``: for each prefix of them (none
    past a prefix it must not start with), the prefix and then a character none of them continues
    it with, or a prefix that is itself no word; linear, as ``_base._NOT_DRY`` is."""
    entries = set(prefixes) | set(words)
    cut = set(prefixes)
    trie = sorted(
        {w[:i] for w in entries for i in range(len(w) + 1) if not any(w[:i].startswith(c) and w[:i] != c for c in cut)}
    )
    out = []
    for p in trie:
        if p in cut:
            continue
        nxt = sorted({w[len(p)] for w in entries if len(w) > len(p) and w.startswith(p)})
        bar = "".join("\\" + c if c in "-[]\\^" else c for c in nxt) + ("'" if not p else "")
        out.append(f"{_esc(p)}[^{stop}{bar}][^{stop}]*")
        if p and p not in words:
            out.append(_esc(p))
    return "|".join(out)


def not_words(*words: str, stop: str = r"\s;&|") -> str:
    """A word that is none of ``words`` (:func:`other_words` with no prefix left out)."""
    return other_words((), words, stop)


def then(rest: str) -> str:
    """What follows a program's name: ``rest``, or an alternative nothing matches (``[^\\s\\S]``), which
    leaves ``rest``'s words (``delete``, ``create``, ``sync``…) out of the rule's factors, so its
    programs are its key for the option spellings (``_option_rules``: ``tar --delete`` is no cloud
    CLI's verb)."""
    return rf"({rest}|[^\s\S])"


def _esc(text: str) -> str:
    return "".join("\\" + c if c in r".+*?()[]{}|^$\-" else c for c in text)


_HELP = ("help", "-help", "--help", "-h")
#: a word of the command that is no help request (a quoted word with spaces, as a reading spells it)
_WORD = rf"('[^']*'|\"[^\"]*\"|{not_words(*_HELP)})"
#: the words that carry a command to run on another machine (``gcloud compute ssh --command``,
#: ``az vm run-command invoke --scripts``, ``aws ssm send-command``, ``fly ssh console -C``,
#: ``fly machine exec``): the carried command meets the rules as ``ssh host CMD`` does, so no
#: verb read after one of them (nor the carrier's own verb) counts
_CARRIERS = ("ssh", "exec", "console", "run-command", "send-command", "start-session", "execute-command")
#: the words between a program and its verb, none a help request nor a carrier
_WORDS = rf"\s*(('[^']*'|\"[^\"]*\"|{not_words(*_HELP, *_CARRIERS)})\s+)*'?"
#: the same for the platforms, whose ``run`` carries a command too (``heroku run``, ``run:detached``)
_PAAS_WORDS = rf"\s*(('[^']*'|\"[^\"]*\"|{not_words(*_HELP, *_CARRIERS, 'run', 'run:detached', 'run:inside')})\s+)*'?"
#: the command's remaining words, none a help request, to its end
_REST = rf"'?(\s+{_WORD})*\s*($|[;&|)])"
#: the options (and their values) between a program and its verb: a word opening with ``-``, and
#: a value after it
_OPTS = r"\s*('?-[^\s;&|]*(\s+'?[^\s\-;&|][^\s;&|]*)?\s+)*'?"
#: the cloud providers' command-line programs
_CLOUD = (
    r"(gcloud |gsutil |az |doctl |linode-cli |linode |hcloud |oci |ibmcloud |scw |exo |aliyun |vultr-cli |civo "
    r"|upctl |s5cmd |rclone |azcopy )"
)
#: a cloud CLI and the words before its verb (``aws``'s verb is its second word: ``aws deploy`` is a service)
_AWS_AT = rf"{_OPTS}[^\s;&|'\-][^\s;&|]*\s+{_OPTS}"
#: a cloud CLI's verb that destroys (``delete-db-instance``, ``terminate-instances``, ``s3 rm``, ``rb``,
#: ``is instance-delete``, ``rclone purge``)
_CLOUD_DESTROY = (
    r"((delete|terminate|destroy|remove|purge|rm|rb|rmdir|rmdirs|del|deregister|release|deletefile|dedupe|wipe"
    r"|erase)([-:][\w:-]*)?|[\w-]*-(delete|terminate|destroy|remove|purge|rm|deregister|release))"
)
#: a cloud CLI's verb that changes (``create-bucket``, ``run-instances``, ``deploy``, ``put-object``…);
#: not an upload or a copy (``az storage blob upload``, ``gsutil cp``: the upload readers rule on
#: what is sent), nor a carrier (``start-session``, ``send-command``, ``execute-command``,
#: ``run-command``)
_CLOUD_CHANGE = (
    r"((create|put|update|modify|set|stop|reboot|restart|attach|detach|associate|disassociate"
    r"|authorize|revoke|replace|reset|restore|register|import|enable|disable|tag|untag|invoke|publish"
    r"|apply|scale|resize|add|mb|move|rename|patch|upgrade|rotate|change|grant"
    r"|promote|failover|allocate|assign|unassign|accept|reject|cancel|install|uninstall|edit|submit)([-:][\w:-]*)?"
    rf"|start([-:]({not_words('session')}))?|(send|execute)([-:]({not_words('command')}))?|run-({not_words('command')})"
    r"|([\w-]*app|functions|run)\s+'?deploy|[\w-]*-(create|update|set|start|stop|deploy|attach|detach|put|add|modify"
    r"|restart|reboot|apply))"
)
#: what deletes at the far end while it copies (``aws s3 sync --delete``, ``gsutil rsync -d``, ``rclone sync``)
_SYNC_DELETE = (
    r"(aws |gcloud |gsutil |azcopy |s5cmd )"
    + then(
        rf"{_WORDS}(sync|rsync|mirror)\s([^;&|\n]*\s)?'?(--delete[\w-]*"
        r"|-[a-zA-Z]*d[a-zA-Z]*|--remove|--delete-unmatched-destination-objects)(\s|=|'|$)"
    )
    + "|rclone "
    + then(rf"{_WORDS}(sync|bisync)(\s|'|$)")
)
#: infrastructure as code: destroy (``terraform destroy``, ``apply -destroy``, ``state rm``, ``pulumi
#: destroy``, ``stack rm``, ``cdk destroy``, ``serverless remove``, ``sam delete``, ``eksctl delete``…)
_TF = r"(terraform |tofu |terragrunt |opentofu )"
_IAC = r"(cdk |cdktf |serverless |sls |sam |eksctl |kops |copilot |eb |cdk8s |sst )"
_IAC_DESTROY = (
    _TF
    + then(
        rf"{_WORDS}(destroy|destroy-all|state\s+'?rm|workspace\s+'?delete){_REST}"
        rf"|{_WORDS}(apply|apply-all)\s([^;&|\n]*\s)?'?--?destroy(\s|'|$)"
    )
    + "|pulumi "
    + then(rf"{_WORDS}(destroy|stack\s+'?rm|state\s+'?delete){_REST}")
    + f"|{_IAC}"
    + then(rf"{_WORDS}(destroy|remove|delete|terminate|rm){_REST}")
)
_IAC_CHANGE = (
    _TF
    + then(
        rf"{_WORDS}(apply|apply-all|import|taint|untaint|refresh|force-unlock|state\s+'?(mv|push|replace-provider)){_REST}"
    )
    + "|pulumi "
    + then(rf"{_WORDS}(up|update|refresh|import|cancel|state\s+'?(move|rename|unprotect)){_REST}")
    + f"|{_IAC}"
    + then(
        rf"{_WORDS}(deploy|bootstrap|import|watch|rollback|sync|create|update|upgrade|scale|rolling-update|setenv|swap"
        rf"|restore){_REST}"
    )
)
#: platforms' CLIs: ``heroku apps:destroy``, ``flyctl apps destroy``, ``vercel remove``, ``netlify
#: sites:delete``, ``railway down``, ``firebase firestore:delete``, ``wrangler delete``, ``supabase projects delete``
_PAAS = (
    r"(heroku |fly |flyctl |vercel |netlify |railway |firebase |wrangler |supabase |render |doppler |dokku "
    r"|appcenter )"
)
_PAAS_DESTROY = _PAAS + then(rf"{_PAAS_WORDS}([\w-]+:)?(destroy|delete|remove|rm|down|reset|purge){_REST}")
_PAAS_CHANGE = (
    _PAAS
    + then(
        rf"{_PAAS_WORDS}([\w-]+:)?(deploy|up|redeploy|promote|rollback|publish|launch|scale|restart|set|create"
        rf"|update|release|migrate|transfer|rename|stop|suspend|resume|attach|detach|clone|import|push|add|unset"
        rf"|disable|enable){_REST}"
    )
    + "|vercel "
    + then(rf"{_WORDS}--prod(\s|=|'|$)")
    + r"|vercel\s*($|[;&|)])"
)
#: a repository host's CLI: ``gh repo delete``, ``gh release delete``, ``gh api -X DELETE``
_FORGE = r"(gh |glab |tea )"
_API = r"\s*api\s([^;&|\n]*\s)?'?(-[a-zA-Z]*X\s*|--method[=\s]+|--request[=\s]+)'?"
_FORGE_DESTROY = _FORGE + then(rf"{_WORDS}(delete|delete-asset|rm|remove){_REST}|{_API}(?i:delete)(\s|'|$)")
#: (not ``gh release upload``: the upload readers rule on what is sent)
_FORGE_CHANGE = _FORGE + then(
    rf"{_WORDS}(repo|release|secret|variable|workflow|ruleset|environment|deploy-key|label)\s+'?"
    rf"(create|edit|rename|archive|unarchive|transfer|set|run|enable|disable){_REST}"
    rf"|{_WORDS}(pr|mr)\s+'?merge{_REST}|{_API}(POST|PUT|PATCH)(\s|'|$)"
)
#: package registries: ``npm unpublish``, ``cargo yank``, ``gem yank``, ``nuget delete``; publishing
#: (not ``twine upload``: the upload readers rule on what is sent)
_PKG = r"(npm |pnpm |yarn |bun |cargo |gem |nuget |dotnet\s+nuget |vsce |ovsx |pod\s+trunk )"
_PKG_DESTROY = _PKG + then(rf"{_OPTS}(unpublish|yank|delete|(dist-tag|owner)\s+'?(rm|remove)){_REST}")
_PKG_CHANGE = (
    rf"({_PKG}|yarn\s+npm |poetry |flit |hatch |uv |pdm |helm )"
    + then(rf"{_OPTS}(publish|deprecate|push|(dist-tag|owner)\s+'?add){_REST}")
    + "|(mvn |gradle |gradlew )"
    + then(rf"{_OPTS}([\w:.-]*:)?(deploy|publish\w*){_REST}")
)
#: containers, images, volumes, networks removed or pruned; ``compose down -v``
_ENGINE = r"(docker |podman |nerdctl |finch |lima\s+nerdctl )"
_OBJECTS = (
    r"(container|containers|image|images|volume|volumes|network|networks|builder|buildx|system|context|plugin|secret"
    r"|config|service|stack|node|swarm|manifest|machine|pod|pods)"
)
_COMPOSE = rf"({_ENGINE}{_OPTS}compose |docker-compose |podman-compose )"
_CONTAINER_DESTROY = (
    _ENGINE
    + then(rf"{_OPTS}((rm|rmi|prune)|{_OBJECTS}\s+{_OPTS}(rm|remove|prune|leave|reset)){_REST}")
    + f"|{_COMPOSE}"
    + then(rf"{_OPTS}(down\s([^;&|\n]*\s)?'?(-[a-zA-Z]*v[a-zA-Z]*|--volumes|--rmi)(\s|=|'|$)|rm(\s|'|$))")
)
#: (not ``docker stack deploy``: the rules on what a compose file asks for read it)
_CONTAINER_CHANGE = (
    _ENGINE
    + then(
        rf"{_OPTS}(push|manifest\s+'?push|swarm\s+'?(init|join|update)|service\s+'?(create|update|scale|rollback))"
        r"(\s|'|$)"
    )
    + f"|{_COMPOSE}"
    + then(rf"{_OPTS}(down|push)(\s|'|$)")
)
#: ``crontab -r``: every scheduled job of the user removed
_CRONTAB = rf"crontab {_OPTS}-[a-zA-Z]*r[a-zA-Z]*(\s|'|$)"
#: a command's words up to one of them (a URL's ``&`` is in its word; ``&&`` ends the command)
_UPTO = r"(([^;&|\n]|&[^&;|\n])*\s)?'?"
#: the HTTP method DELETE, in any case (``-X delete`` sends it as written)
_DELETE = r"'?(?i:delete)(\s|'|$)"
#: an endpoint that deletes whatever the method: Elasticsearch's ``_delete_by_query``, the Docker
#: Engine API's ``/containers/prune``, the AWS query API's ``Action=DeleteBucket``, a CDN's ``purge_cache``
_DELETING_URL = (
    r"'?[^\s;|]*((/_delete_by_query|/(containers|images|volumes|networks|build)/prune|/purge_cache)([^\w\s;|][^\s;|]*)?"
    r"|[?&]Action=(Delete|Terminate)[^\s;|]*)('|\s|$)"
)
#: an HTTP DELETE sent: ``curl -X DELETE`` (``-XDELETE``, ``-sX delete``, ``--request=DELETE``), ``wget
#: --method=DELETE``, HTTPie's and xh's ``http DELETE URL``, ``az rest --method delete``, PowerShell's
#: ``Invoke-RestMethod -Method Delete``; a request to a deleting endpoint
_HTTP_DESTROY = (
    "curl "
    + then(rf"{_UPTO}(-[a-zA-Z]*X\s*|--request[=\s]+){_DELETE}")
    + "|wget "
    + then(rf"{_UPTO}--method[=\s]+{_DELETE}")
    + "|(http |https |xh |xhs )"
    + then(rf"{_OPTS}{_DELETE}")
    + "|az "
    + then(rf"{_WORDS}rest\s{_UPTO}(--method|-m)[=\s]+{_DELETE}")
    + "|(Invoke-RestMethod |Invoke-WebRequest |irm |iwr )"
    + then(rf"{_UPTO}(?i:-method)[=:\s]+{_DELETE}")
    + "|(curl |wget |http |https |xh |xhs )"
    + then(rf"{_UPTO}{_DELETING_URL}")
)
#: a word of a cluster CLI's command that is no help request nor a dry run (``--dry-run=none`` runs)
_KUBE_WORD = not_words(*_HELP, "--dry-run", "--dry-run=client", "--dry-run=server")
_KUBE_REST = rf"'?(\s+('[^']*'|\"[^\"]*\"|{_KUBE_WORD}))*\s*($|[;&|)])"
#: a live cluster's objects deleted (``kubectl delete namespace prod``, ``oc delete project``) or a
#: release uninstalled (``helm uninstall``, ``delete``, ``del``, ``un``), the verb the first word after
#: the options (``kubectl -n prod delete …``); not with ``--dry-run``
_CLUSTER_DESTROY = (
    "(kubectl |oc )"
    + then(rf"{_OPTS}delete{_KUBE_REST}")
    + "|helm "
    + then(rf"{_OPTS}(uninstall|delete|del|un){_KUBE_REST}")
)
#: configuration management: an ansible task (ad hoc or a playbook's extra variables) with ``state=absent``
#: (``-a 'path=/ state=absent'``, ``{"state": "absent"}``); a playbook run whose file, tags or
#: variables say it destroys (``destroy.yml``, ``--tags teardown``), not a check; salt's removing
#: functions (``file.remove``, ``pkg.purge``, ``user.delete``, ``*.absent``), ``salt-cloud -d``
_PLAY_WORD = (
    "('[^']*'|\"[^\"]*\"|"
    + not_words(*_HELP, "--check", "-C", "--syntax-check", "--list-hosts", "--list-tasks", "--list-tags", "--version")
    + ")"
)
_PLAY_DESTROYS = (
    r"'?[^\s;&|]*(destroy|teardown|tear-down|tear_down|delete|absent|decommission|remove|purge|wipe|nuke|uninstall)"
    r"[^\s;&|]*"
)
_ABSENT = rf"{_UPTO}[^\s;&|]*\"?state\"?\s*[=:]\s*\"?absent(\W|$)"
_SALT_REMOVES = rf"{_UPTO}[\w.]*\.(remove|rmdir|delete|absent|destroy|purge|rm|wipe|prune|uninstall)\w*('|\s|$)"
_CONFIG_DESTROY = (
    "ansible "
    + then(_ABSENT)
    + "|ansible-playbook "
    + then(rf"{_ABSENT}|'?(\s*{_PLAY_WORD}\s+)*{_PLAY_DESTROYS}'?(\s+{_PLAY_WORD})*\s*($|[;&|)])")
    + "".join(f"|{salt} " + then(_SALT_REMOVES) for salt in ("salt", "salt-ssh", "salt-call"))
    + "|salt-cloud "
    + then(rf"{_UPTO}(-[a-zA-Z]*d[a-zA-Z]*|--destroy)(\s|'|$)")
)

#: destroying what lives outside the workspace and the file system: cloud resources, infrastructure,
#: platforms' apps, repositories and releases, published packages, containers, images and volumes,
#: a user's cron table
REMOTE_DESTROY = (
    rf"\s*({_CLOUD}{then(_WORDS + _CLOUD_DESTROY + _REST)}|aws {then(_AWS_AT + _CLOUD_DESTROY + _REST)}"
    rf"|{_SYNC_DELETE}|{_IAC_DESTROY}|{_PAAS_DESTROY}|{_FORGE_DESTROY}|{_PKG_DESTROY}|{_CONTAINER_DESTROY}|{_CRONTAB}"
    rf"|{_HTTP_DESTROY}|{_CLUSTER_DESTROY}|{_CONFIG_DESTROY}).*"
)
#: changing it: ``terraform apply``, ``pulumi up``, ``cdk deploy``, ``aws … create-*|put-*|run-*``,
#: ``aws cloudformation deploy`` (``deploy`` as its second word: a service), ``gcloud …
#: create|update|deploy``, ``flyctl deploy``, ``vercel --prod``, ``gh repo edit|release create|pr
#: merge``, ``npm publish``, ``docker push``, ``compose down``
REMOTE_CHANGE = (
    rf"\s*({_CLOUD}{then(_WORDS + _CLOUD_CHANGE + _REST)}|aws {then(f'{_AWS_AT}(deploy|{_CLOUD_CHANGE}){_REST}')}"
    rf"|{_IAC_CHANGE}|{_PAAS_CHANGE}|{_FORGE_CHANGE}|{_PKG_CHANGE}|{_CONTAINER_CHANGE}).*"
)
#: the host powered off, rebooted, suspended or put in another target, and every process killed
#: (``kill -9 -1``, ``kill -- -1``, ``killall5``), or init killed (``kill -9 1``; not ``kill 1``,
#: ``kill -15 1``: init asked to stop, which it may ignore)
_KILL_OPT = rf"'?(-[sn]\s+'?[^\s;&|]+|--signal[=\s]+'?[^\s;&|]+|-({not_words('s', 'n', '-signal')}))\s+"
_SIGKILL = r"'?(-|-[sn]\s+'?|--signal[=\s]+'?)((?i:sig)?(?i:kill)|9)'?\s+"
#: every container stopped, killed or paused: ``docker stop $(docker ps -q)`` (backquotes, ``-aq``,
#: ``--quiet``, ``container ls``), ``podman stop -a|--all``, ``docker ps -q | xargs docker kill``
_ENGINE_NAME = r"(docker|podman|nerdctl|finch)"
_STOPS = rf"{_OPTS}((container|pod)\s+{_OPTS})?(stop|kill|pause)"
#: every container listed by id (``docker ps -q``, ``-aq``, ``--quiet --all``, ``container ls -q``); not
#: narrowed (``--filter``, ``-n 1``, ``-l``)
_PS_FLAGS = r"'?(-[aq]+|--quiet|--all|--no-trunc)'?"
_PS_BODY = rf"{_OPTS}(container\s+{_OPTS})?(ps|ls|list)(\s+{_PS_FLAGS})*\s+'?(-a*q[aq]*|--quiet)'?(\s+{_PS_FLAGS})*\s*"
_STOP_ALL = _ENGINE + then(
    rf"{_STOPS}\s([^;&|\n]*\s)?'?(\$\(|`)\s*{_ENGINE_NAME}\s+{_PS_BODY}(\)|`)"
    rf"|{_PS_BODY}\|\s*xargs\s([^;&|\n]*\s)?{_ENGINE_NAME}\s+{_STOPS}(\s|$)"
)
#: (podman's ``--all``: ``podman stop -a``, ``podman pod kill --all``)
_PODMAN_ALL = "podman " + then(rf"{_STOPS}\s([^;&|\n]*\s)?'?(-[a-zA-Z]*a|--all)(\s|'|$)")
#: a fleet rebooted: ``ansible all -m reboot``, salt's ``system.reboot|poweroff|shutdown|halt``
_FLEET_POWER = (
    "ansible "
    + then(r"([^;&|\n]*\s)?'?(-m\s*|--module-name[=\s]+)'?(ansible\.(builtin|windows)\.)?(win_)?reboot(\s|'|$)")
    + "".join(
        f"|{salt} " + then(r"([^;&|\n]*\s)?'?system\.(reboot|poweroff|shutdown|halt)(\s|'|$)")
        for salt in ("salt", "salt-ssh", "salt-call")
    )
)
POWER_KILL = (
    rf"\s*({_STOP_ALL}|{_PODMAN_ALL}|{_FLEET_POWER}"
    r"|(shutdown|reboot|halt|poweroff|killall5|kexec|shutdown\.exe|Stop-Computer|Restart-Computer)(\s|'|$|[;&|)])"
    r"|(init|telinit) \s*'?[016sS](\s|'|$|[;&|)])"
    r"|(systemctl|loginctl) \s*('?-[^\s;&|]*\s+)*'?(poweroff|reboot|halt|kexec|soft-reboot|suspend|hibernate"
    r"|hybrid-sleep|suspend-then-hibernate|emergency|rescue|isolate|default|exit|switch-root)(\s|'|$|[;&|)])"
    rf"|kill \s*({_KILL_OPT})+(\d+\s+)*'?-1(\s|'|$|[;&|)])"
    rf"|kill \s*({_KILL_OPT})*{_SIGKILL}({_KILL_OPT})*(\d+\s+)*'?1(\s|'|$|[;&|)])).*"
)
#: a remote's history rewritten or its refs deleted: ``git push --force``/``-f``/``--force-with-lease``/
#: ``--force-if-includes``, ``--delete``/``-d``, ``--mirror``, ``--prune``, a ``+ref`` or ``:ref`` refspec
HISTORY_REWRITE = (
    r"\s*git push\s([^;&|\n]*\s)?'?(-[a-zA-Z]*[fd][a-zA-Z]*|--force[\w-]*|--delete|--mirror|--prune|\+[^\s;&|]+"
    r"|:[^\s;&|]+)(\s|=|'|$|[;&|)]).*"
)
#: commits, branches or the reflog lost in the local repository: ``git reset --hard``, ``git branch
#: -D``/``-d -f``/``--delete --force``, ``git reflog expire|delete``, ``git gc --prune=now|all``,
#: ``git filter-branch``/``filter-repo``, ``git update-ref -d``, ``git stash clear``
HISTORY_LOSS = (
    r"\s*git (reset\s([^;&|\n]*\s)?'?--hard|branch\s([^;&|\n]*\s)?'?(-[a-zA-Z]*D[a-zA-Z]*"
    r"|(-[a-zA-Z]*d[a-zA-Z]*|--delete)\s([^;&|\n]*\s)?'?(-[a-zA-Z]*f[a-zA-Z]*|--force)"
    r"|(-[a-zA-Z]*f[a-zA-Z]*|--force)\s([^;&|\n]*\s)?'?(-[a-zA-Z]*d[a-zA-Z]*|--delete))"
    r"|reflog\s+'?(expire|delete)|gc\s([^;&|\n]*\s)?'?--prune=(now|all)|filter-branch|filter-repo"
    r"|update-ref\s([^;&|\n]*\s)?'?-d|stash\s+'?clear)(\s|=|'|$|[;&|)]).*"
)
