/** Names for the mail templates (activities/mail/templates); an unknown one shows as it is. */
const labels: Record<string, string> = {
  'task-assigned': 'Task assigned',
  reminder: 'Reminder',
  escalation: 'Escalation',
  decision: 'Decision',
  questioned: 'Question',
  'admin-alert': 'Admin alert'
};

export function templateLabel(template: string): string {
  return labels[template] ?? template.replaceAll('-', ' ');
}
