*** Settings ***
Documentation       The enquiries bot's second step: draft a reply to each enquiry from the knowledge base.
...
...                 For each input item (an e-mail, see ``producer.robot``):
...
...                 1. An e-mail that could not be read is released as a BUSINESS failure (``UNREADABLE_EMAIL``)
...                 with the producer's message naming the file.
...                 2. The chatbot is asked the enquiry's question (``keywords.chatbot``, the knowledge base of
...                 the enquiries settings). A confident answer becomes a draft reply citing its page: an
...                 output item in the replies queue (reference: the enquiry's), where a person approves and
...                 sends it in the portal (``/enquiries``). The input is released DONE.
...                 3. Otherwise the input is released as a BUSINESS failure (``NEEDS_PERSON``): the team
...                 answers it by hand, then resolves the item.
...
...                 Settings: ``NIGHTSHIFT_ENQUIRIES`` (default ``enquiries.yaml``), the adapter with
...                 ``NIGHTSHIFT_QUEUE`` and ``NIGHTSHIFT_OUTPUT_QUEUE``. Run with ``--maxassignlength 0``.

Library             OperatingSystem
Library             RPA.Robocorp.WorkItems    autoload=${False}
Library             keywords.enquiries

Suite Setup         Prepare


*** Tasks ***
Draft replies
    [Documentation]    Draft a reply to each enquiry the knowledge base answers; hand the rest to the team.
    For Each Input Work Item    Handle One Enquiry    return_results=${False}


*** Keywords ***
Prepare
    # Drafts take the enquiry's reference: a rerun after a crash drafts nothing twice.
    Set Environment Variable    NIGHTSHIFT_REFERENCE_FIELD    enquiry
    Load Enquiry Settings

Handle One Enquiry
    ${enquiry}=    Get Work Item Payload
    IF    $enquiry.get("problem")
        Release Input Work Item    FAILED    exception_type=BUSINESS    code=UNREADABLE_EMAIL
        ...    message=${enquiry}[problem]
        RETURN
    END
    ${result}=    Draft Reply For Enquiry    ${enquiry}
    IF    ${result}[drafted]
        Create Output Work Item
        Set Work Item Payload    ${result}[draft]
        Save Work Item
        Release Input Work Item    DONE
    ELSE
        Release Input Work Item    FAILED    exception_type=BUSINESS    code=NEEDS_PERSON
        ...    message=${result}[reason]
    END
