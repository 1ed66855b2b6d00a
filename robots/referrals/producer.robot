*** Settings ***
Documentation       The referral bot's producer step: one work item per referral in the inbox, the file attached.
...
...                 Its input is a *trigger* work item whose payload names the folders:
...                 ``{"inbox": "/abs/inbox/referrals", "archive": "/abs/archive", "run_id": "..."}``
...                 (without ``archive``, files go to ``archive/referrals`` beside the inbox's parent:
...                 ``/abs/inbox/referrals`` to ``/abs/archive/referrals``).
...                 For each file in the inbox, in name order (a resent copy after its original):
...
...                 1. Read its referrals (PDF forms, e-mails with the form attached, XLSX rows, JSON
...                 and CSV exports) and normalise them (``keywords/referrals/schema.py``).
...                 2. Create one output work item per referral: the normalised payload, the source file
...                 attached. An *invalid* referral still becomes an item, its payload's ``validation`` set
...                 to ``{"code", "field", "message"}``; the consumer releases such an item at once as a
...                 BUSINESS failure with that code and message, so a supervisor sees it in the morning.
...                 A *file that cannot be read* becomes one item the same way (reference ``FILE-`` and a
...                 hash of the file, every referral field empty, the file attached).
...                 3. Only then move the file to the archive folder.
...
...                 Each item's reference is the referral's (``NIGHTSHIFT_REFERENCE_FIELD=reference``, set
...                 here), so the same referral sent twice makes one item (the copy's file is attached to
...                 the existing item, which keeps its payload), and a rerun after a crash re-reads the
...                 files still in the inbox and creates nothing twice. The trigger is
...                 released DONE at the end; a trigger without an inbox fails as a BUSINESS error
...                 (``BAD_TRIGGER``); a missing inbox folder fails the step (an APPLICATION error, retried).
...
...                 Settings: ``RPA_WORKITEMS_ADAPTER=workitems.rpa.QueueAdapter``, ``NIGHTSHIFT_QUEUE``
...                 (the trigger queue), ``NIGHTSHIFT_OUTPUT_QUEUE`` (the referrals queue). Run with
...                 ``--maxassignlength 0`` so that no referral value reaches the log:
...                 | nightshift items add referrals-trigger --payload '{"inbox": "/abs/inbox/referrals", "archive": "/abs/archive"}'
...                 | RPA_WORKITEMS_ADAPTER=workitems.rpa.QueueAdapter NIGHTSHIFT_QUEUE=referrals-trigger NIGHTSHIFT_OUTPUT_QUEUE=referrals python -m robot --rpa --maxassignlength 0 --task "Produce referrals" --outputdir output robots/referrals

Library             OperatingSystem
Library             RPA.Robocorp.WorkItems    autoload=${False}
Library             keywords.referrals

Suite Setup         Use The Referral Reference For Output Items


*** Tasks ***
Produce referrals
    [Documentation]    Queue the referrals of every file in the inbox named by each trigger item.
    For Each Input Work Item    Produce Referrals From Inbox    return_results=${False}


*** Keywords ***
Use The Referral Reference For Output Items
    [Documentation]    Outputs take the referral's reference as their own (workitems.rpa), so a referral
    ...    read twice - sent twice, or read again after a crash - makes one item. Set before the
    ...    adapter starts, which is why the work-item library does not autoload its input.
    Set Environment Variable    NIGHTSHIFT_REFERENCE_FIELD    reference

Produce Referrals From Inbox
    [Documentation]    One trigger item: queue every file's referrals, archive the file, release the trigger.
    ${inbox}=    Get Work Item Variable    inbox    default=${EMPTY}
    IF    not $inbox
        Release Input Work Item    FAILED    exception_type=BUSINESS    code=BAD_TRIGGER
        ...    message=The trigger item has no "inbox" folder in its payload: add it and retry the item.
        RETURN
    END
    # By default NIGHTSHIFT_HOME/inbox/referrals is archived into NIGHTSHIFT_HOME/archive/referrals.
    ${default}=    Evaluate    str(pathlib.Path($inbox).parent.parent / "archive" / pathlib.Path($inbox).name)
    ...    modules=pathlib
    ${archive}=    Get Work Item Variable    archive    default=${default}
    @{files}=    List Inbox Files    ${inbox}
    ${queued}=    Set Variable    ${0}
    FOR    ${file}    IN    @{files}
        ${count}=    Queue Referrals From File    ${file}
        # Only after the file's items are saved: killed before this line, a rerun reads it again.
        Archive Inbox File    ${file}    ${archive}
        ${queued}=    Evaluate    $queued + $count
    END
    Log    Queued ${queued} work item(s) from ${{len($files)}} file(s).
    Release Input Work Item    DONE

Queue Referrals From File
    [Documentation]    One output item per referral in the file (one for an unreadable file), the file attached.
    ...    Returns how many.
    [Arguments]    ${file}
    @{payloads}=    Prepare Referral Work Items    ${file}
    FOR    ${payload}    IN    @{payloads}
        Create Output Work Item
        # Not `variables=`: Set Work Item Payload does not log the values (a child's data).
        Set Work Item Payload    ${payload}
        Add Work Item File    ${file}
        Save Work Item
    END
    RETURN    ${{len($payloads)}}
