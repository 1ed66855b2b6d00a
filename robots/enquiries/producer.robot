*** Settings ***
Documentation       The enquiries bot's producer step: one work item per e-mail (``.eml``) in the inbox.
...
...                 Its input is a *trigger* work item naming the folders:
...                 ``{"inbox": "/abs/inbox/enquiries", "archive": "/abs/archive/enquiries"}`` (without
...                 ``archive``, ``archive/enquiries`` beside the inbox's parent). For each file, in name order:
...
...                 1. Read the e-mail: sender, subject, date, Message-ID, the body without quoted replies
...                 and signatures (``keywords/enquiries/mail.py``).
...                 2. Create one output item, the e-mail attached. Its reference is ``ENQ-`` and a hash of
...                 the Message-ID, so an e-mail read twice (sent twice, or read again after a crash) makes
...                 one item. A file that is not a usable e-mail still makes an item (reference ``FILE-``
...                 and a hash of the file) whose ``problem`` names the file; the consumer releases it as a
...                 BUSINESS failure.
...                 3. Only then move the file to the archive.
...
...                 Settings: the adapter with ``NIGHTSHIFT_QUEUE`` (the trigger queue) and
...                 ``NIGHTSHIFT_OUTPUT_QUEUE`` (the enquiries queue). Run with ``--maxassignlength 0``.

Library             OperatingSystem
Library             RPA.Robocorp.WorkItems    autoload=${False}
Library             keywords.enquiries

Suite Setup         Set Environment Variable    NIGHTSHIFT_REFERENCE_FIELD    reference


*** Tasks ***
Produce enquiries
    [Documentation]    Queue every e-mail of the inbox named by each trigger item.
    For Each Input Work Item    Produce Enquiries From Inbox    return_results=${False}


*** Keywords ***
Produce Enquiries From Inbox
    ${inbox}=    Get Work Item Variable    inbox    default=${EMPTY}
    IF    not $inbox
        Release Input Work Item    FAILED    exception_type=BUSINESS    code=BAD_TRIGGER
        ...    message=The trigger item has no "inbox" folder in its payload: add it and retry the item.
        RETURN
    END
    ${default}=    Evaluate    str(pathlib.Path($inbox).parent.parent / "archive" / pathlib.Path($inbox).name)
    ...    modules=pathlib
    ${archive}=    Get Work Item Variable    archive    default=${default}
    @{files}=    List Enquiry Files    ${inbox}
    FOR    ${file}    IN    @{files}
        ${payload}=    Read Enquiry File    ${file}
        Create Output Work Item
        # Not `variables=`: Set Work Item Payload does not log the values (the sender, the question).
        Set Work Item Payload    ${payload}
        Add Work Item File    ${file}
        Save Work Item
        # Only after the item is saved: killed before this line, a rerun reads the file again.
        Archive Enquiry File    ${file}    ${archive}
    END
    Log    Queued ${{len($files)}} e-mail(s).
    Release Input Work Item    DONE
