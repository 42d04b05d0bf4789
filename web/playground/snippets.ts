// Copyable code for the chosen avatar and this broker: what a frontend (or a shell) would write.

export function reactSnippet(sessionUrl: string, avatarId: string): string {
  return `import { AvatarCall } from '@runwayml/avatars-react';
import '@runwayml/avatars-react/styles.css';

export function Avatar() {
  // A fresh ?attempt= per call: the SDK caches credentials per connectUrl.
  return (
    <AvatarCall
      avatarId=${JSON.stringify(avatarId)}
      connectUrl=${JSON.stringify(`${sessionUrl}?attempt=1`)}
      onError={(err) => console.error(err.message)}
    />
  );
}
`;
}

export function curlSnippet(sessionUrl: string, avatarId: string, withKey: boolean): string {
  return `curl -sS -X POST ${JSON.stringify(sessionUrl)} \\
  -H 'Content-Type: application/json' \\${withKey ? `\n  -H "Authorization: Bearer $BROKER_API_KEY" \\` : ''}
  -d '${JSON.stringify({ avatarId })}'
# → {"sessionId":"…","serverUrl":"wss://…","token":"…","roomName":"…","expiresAt":"…","maxDuration":300}
`;
}
